"""Profile (catalog §5.5.1, §6.13): the caller's own account."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from organizations.models import Membership

from .base import WatcherClientView


class ProfileSerializer(serializers.Serializer):
    """User → Profile. `apikey` is not returned: only a hash of a key is stored (accounts.ApiKey)."""

    name = serializers.CharField(source="login")
    fullname = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    locale = serializers.CharField()
    note = serializers.CharField()
    max_sessions = serializers.IntegerField()
    is_admin = serializers.SerializerMethodField()
    is_domain_admin = serializers.BooleanField()
    is_readonly = serializers.BooleanField(source="readonly")

    def get_is_admin(self, user) -> bool:
        # §6.13 (decision): an organization administrator in at least one organization.
        return Membership.objects.filter(user=user, is_admin=True).exists()


class ProfileView(WatcherClientView):
    """GET /profile: the caller's own account (§5.5.1)."""

    @extend_schema(operation_id="profile_get", responses={200: ProfileSerializer})
    def get(self, request):
        return Response(ProfileSerializer(self.user).data)
