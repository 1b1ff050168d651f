"""Reports have no tables of their own: they are rendered from cases and reviews on request."""
