"""Every write to areas goes through a function of this package (docs/architecture.md#one-function-per-write).

| module        | subject                                                                      |
|---------------|------------------------------------------------------------------------------|
| ``areas``     | a batch of areas of one tier created as a revision, all or nothing; fragments |
| ``drafts``    | an administrator's draft of a community's cells: start, edit, undo, discard  |
| ``publishing``| a draft published as a revision (changes, moves), a stale draft carried over |

Callers write ``actions.publish_draft(…)``; each module imports only from the ones above it in
this table (areas ← drafts ← publishing), never from here.
"""
from .areas import (
    FRAGMENT_MAX_VERTICES,
    AreaSpec,
    CreateResult,
    create_area,
    create_areas,
    next_revision_number,
    refresh_fragments,
    start_revision,
)
from .drafts import (
    MAX_SEQUENCE,
    ROW_HEIGHT_DEGREES,
    UNDO_STEPS,
    RevisionConflict,
    add_draft_cell,
    clean_cell_geometry,
    community_revision,
    delete_draft_cell,
    discard_draft,
    merge_draft_cells,
    require_community,
    split_draft_cell,
    start_draft,
    undo_draft_edit,
    undo_steps,
    update_draft_cell,
    validate_draft,
)
from .publishing import (
    DraftChanges,
    Impact,
    PublishResult,
    RebaseResult,
    draft_changes,
    draft_is_stale,
    next_cell_codes,
    impact_preview,
    publish_draft,
    rebase_draft,
)
