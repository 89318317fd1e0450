"""tags/: the tenant's tags with their counts, `?search=` and ordering; create, edit (a rename
renames it on every customer and lead), delete (removed from all) and `merge/`. Tags are read by
every member and managed by admins and managers; crm.services.tags checks it again."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.fields import StrictFieldsMixin, TenantRelatedField
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.models import Role
from tenancy.scoping import TenantModelViewSet

from ..models import Tag
from ..selectors.tags import TAG_SEARCH_MAX_LENGTH, tag_for, tag_search, tags_with_counts
from ..services import tags as tag_services


class TagSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A tag: `name` is kept lower-case and unique in the tenant; `color` defaults to a
    palette pick; the counts are of the customers and the leads (that you see) carrying it."""

    name = serializers.CharField(max_length=tag_services.MAX_TAG_LENGTH)
    customer_count = serializers.IntegerField(read_only=True)
    lead_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Tag
        fields = ["id", *tag_services.TAG_FIELDS, "customer_count", "lead_count"]
        extra_kwargs = {"color": {"required": False}}
        validators = []  # the name's uniqueness is the service's (with a pointer to merging)


class TagMergeSerializer(StrictFieldsMixin, serializers.Serializer):
    into = TenantRelatedField(Tag, help_text="The tag to keep: every customer and lead gets it.")


class TagFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", max_length=TAG_SEARCH_MAX_LENGTH, label="Part of the tag's name"
    )

    def filter_search(self, queryset, name, value):
        return tag_search(queryset, value)


class TagViewSet(TenantModelViewSet):
    """The tenant's tags. Deleting one removes it from every customer and lead."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    write_roles = tag_services.TAG_MANAGE_ROLES
    read_roles = (Role.ADMIN, Role.MANAGER, Role.AGENT)
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = TagFilterSet
    ordering_fields = ["name", "customer_count", "lead_count", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Tag.objects.none()
        return tags_with_counts(tenant=self.tenant, membership=self.membership)

    def get_object(self):
        tag = tag_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )
        self.check_object_permissions(self.request, tag)
        return tag

    def _counted(self, tag: Tag) -> Tag:
        return self.get_queryset().get(pk=tag.pk)

    def perform_create(self, serializer):
        tag = tag_services.tag_create(
            tenant=self.tenant, by=self.membership, data=serializer.validated_data
        )
        serializer.instance = self._counted(tag)

    def perform_update(self, serializer):
        tag = tag_services.tag_update(
            tag=serializer.instance, by=self.membership, data=serializer.validated_data
        )
        serializer.instance = self._counted(tag)

    def perform_destroy(self, instance):
        tag_services.tag_delete(tag=instance, by=self.membership)

    @extend_schema(request=TagMergeSerializer, responses=TagSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge this tag into `into`: every customer and lead of this tag gets `into` (once),
        each customer's change is in its timeline, and this tag is deleted. Answers the kept
        tag."""
        source = self.get_object()
        body = TagMergeSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        kept = tag_services.tag_merge(
            source=source, into=body.validated_data["into"], by=self.membership
        )
        return Response(TagSerializer(self._counted(kept)).data)


__all__ = ["TagViewSet"]
