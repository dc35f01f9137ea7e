from django.urls import path, re_path

from . import api, api_drafts

urlpatterns = [
    re_path(r"^areas/lookup/?$", api.lookup, name="area-lookup"),
    path("areas/", api.AreaListView.as_view(), name="area-list"),
    path("areas/labels/", api.AreaLabelsView.as_view(), name="area-labels"),
    path("areas/<str:code>/", api.AreaDetailView.as_view(), name="area-detail"),
    path("areas/<str:code>/revisions/", api.AreaRevisionsView.as_view(), name="area-revisions"),
    path("areas/<str:code>/draft/", api_drafts.CommunityDraftView.as_view(), name="community-draft"),
    path("tiles/<str:level>/<int:z>/<int:x>/<int:y>.mvt", api.TileView.as_view(), name="area-tile"),
    path("drafts/<int:draft_id>/", api_drafts.DraftView.as_view(), name="draft-detail"),
    path("drafts/<int:draft_id>/cells/", api_drafts.DraftCellsView.as_view(), name="draft-cells"),
    path("drafts/<int:draft_id>/cells/<int:cell_id>/", api_drafts.DraftCellView.as_view(), name="draft-cell"),
    path("drafts/<int:draft_id>/split/", api_drafts.DraftSplitView.as_view(), name="draft-split"),
    path("drafts/<int:draft_id>/merge/", api_drafts.DraftMergeView.as_view(), name="draft-merge"),
    path("drafts/<int:draft_id>/validation/", api_drafts.DraftValidationView.as_view(), name="draft-validation"),
    path("drafts/<int:draft_id>/impact/", api_drafts.DraftImpactView.as_view(), name="draft-impact"),
    path("drafts/<int:draft_id>/publish/", api_drafts.DraftPublishView.as_view(), name="draft-publish"),
    path("drafts/<int:draft_id>/rebase/", api_drafts.DraftRebaseView.as_view(), name="draft-rebase"),
    path("drafts/<int:draft_id>/undo/", api_drafts.DraftUndoView.as_view(), name="draft-undo"),
]
