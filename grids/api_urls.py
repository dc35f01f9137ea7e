from django.urls import path, re_path

from . import api

urlpatterns = [
    re_path(r"^areas/lookup/?$", api.lookup, name="area-lookup"),
    path("areas/", api.AreaListView.as_view(), name="area-list"),
    path("areas/labels/", api.AreaLabelsView.as_view(), name="area-labels"),
    path("areas/<str:code>/", api.AreaDetailView.as_view(), name="area-detail"),
    path("areas/<str:code>/revisions/", api.AreaRevisionsView.as_view(), name="area-revisions"),
    path("areas/<str:code>/draft/", api.CommunityDraftView.as_view(), name="community-draft"),
    path("tiles/<str:level>/<int:z>/<int:x>/<int:y>.mvt", api.TileView.as_view(), name="area-tile"),
    path("drafts/<int:draft_id>/", api.DraftView.as_view(), name="draft-detail"),
    path("drafts/<int:draft_id>/cells/", api.DraftCellsView.as_view(), name="draft-cells"),
    path("drafts/<int:draft_id>/cells/<int:cell_id>/", api.DraftCellView.as_view(), name="draft-cell"),
    path("drafts/<int:draft_id>/split/", api.DraftSplitView.as_view(), name="draft-split"),
    path("drafts/<int:draft_id>/merge/", api.DraftMergeView.as_view(), name="draft-merge"),
    path("drafts/<int:draft_id>/validation/", api.DraftValidationView.as_view(), name="draft-validation"),
    path("drafts/<int:draft_id>/impact/", api.DraftImpactView.as_view(), name="draft-impact"),
    path("drafts/<int:draft_id>/publish/", api.DraftPublishView.as_view(), name="draft-publish"),
    path("drafts/<int:draft_id>/rebase/", api.DraftRebaseView.as_view(), name="draft-rebase"),
    path("drafts/<int:draft_id>/undo/", api.DraftUndoView.as_view(), name="draft-undo"),
]
