"""Feed compaction finds the later entries for the same row by (kind, key, seq)."""


def up(migrator, db):
    migrator.migrate(migrator.add_index('feed', ('kind', 'key', 'seq'), False))
