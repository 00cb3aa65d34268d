from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """A peer post keeps no author: a per-post tag answers ``mine`` (models/pseudonym.py,
    peer_tag). The existing values are turned into tags by models.db.rekey_pseudonyms."""

    dependencies = [('cip', '0004_noise_keys')]

    initial = False

    operations = [
        ops.RenameField(model_name='PeerPost', old_name='author', new_name='mine_tag'),
    ]
