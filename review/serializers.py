"""API shapes of a review and a sign-off."""

from rest_framework import serializers

from review.models import Review, SignOff


class ReviewInputSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=64)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.ModelSerializer):
    image = serializers.UUIDField(source="image.public_id", read_only=True)
    reviewer = serializers.EmailField(source="reviewer.email", read_only=True, default=None)
    reviewed_at = serializers.DateTimeField(source="updated", read_only=True)

    class Meta:
        model = Review
        fields = ["image", "label", "predicted_label", "comment", "reviewer", "reviewed_at"]


class SignOffInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class SignOffSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    signed_by = serializers.EmailField(source="signed_by.email", read_only=True, default=None)
    differential = serializers.JSONField(source="snapshot.differential", read_only=True)

    class Meta:
        model = SignOff
        fields = ["case", "version", "signed_by", "signed_at", "comment", "differential"]
