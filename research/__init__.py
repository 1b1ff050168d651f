"""Studies that justified a decision in ml/; never imported by the product or its tests."""
