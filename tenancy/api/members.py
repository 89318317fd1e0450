"""me/ and members/."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from ..models import Membership, Role
from ..scoping import TenantReadOnlyViewSet, TenantViewSetMixin


class TenantRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email")
    role = serializers.ChoiceField(choices=Role.choices)
    tenant = TenantRefSerializer()


class MemberSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id")
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email")

    class Meta:
        model = Membership
        fields = ["user_id", "username", "email", "role", "is_active"]


class MeView(TenantViewSetMixin, generics.GenericAPIView):
    """Who you are and in which tenant you act: one object, not a list."""

    queryset = Membership.objects.none()
    serializer_class = MeSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(operation_id="me_retrieve", responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(self.membership).data)


class MemberViewSet(TenantReadOnlyViewSet):
    """The tenant's members, for managers and admins."""

    queryset = Membership.objects.select_related("user").order_by("user__username")
    serializer_class = MemberSerializer
    read_roles = (Role.ADMIN, Role.MANAGER)
    filterset_fields = ["role", "is_active"]
    lookup_field = "user_id"
