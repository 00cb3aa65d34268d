from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AggregateRow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(max_length=64)),
                ('day', fields.DateField()),
                ('metric', fields.CharField(max_length=48)),
                ('value', fields.IntField()),
            ],
            options={'table': 'cip_aggregate_row', 'app': 'cip', 'indexes': [Index(fields=['neighborhood', 'day', 'metric'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CareHold',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(db_index=True, max_length=64)),
                ('status', fields.CharField(max_length=16)),
                ('opened_on', fields.DateField()),
                ('holder', fields.CharField(db_index=True, max_length=64)),
                ('sealed_note', fields.BinaryField(null=True)),
            ],
            options={'table': 'cip_care_hold', 'app': 'cip', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CareResource',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(null=True, db_index=True, max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharField(max_length=24)),
                ('contact', fields.CharField(max_length=500)),
                ('description', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'cip_care_resource', 'app': 'cip', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Circle',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(db_index=True, max_length=64)),
                ('status', fields.CharField(max_length=16)),
                ('focus_sealed', fields.BinaryField()),
                ('rhythm_sealed', fields.BinaryField(null=True)),
                ('formed_on', fields.DateField()),
                ('member_count', fields.IntField(default=0)),
                ('need_since', fields.DateField(null=True)),
            ],
            options={'table': 'cip_circle', 'app': 'cip', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CircleInvite',
            fields=[
                ('code_hash', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('circle', fields.ForeignKeyField('cip.Circle', source_field='circle_id', db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(max_length=16)),
                ('expires_on', fields.DateField()),
            ],
            options={'table': 'cip_circle_invite', 'app': 'cip', 'pk_attr': 'code_hash'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CircleMember',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('circle', fields.ForeignKeyField('cip.Circle', source_field='circle_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('member', fields.CharField(db_index=True, max_length=64)),
                ('role', fields.CharField(max_length=16)),
                ('name_sealed', fields.BinaryField()),
                ('joined_on', fields.DateField()),
            ],
            options={'table': 'cip_circle_member', 'app': 'cip', 'unique_together': (('circle', 'member'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CircleUpdate',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('circle', fields.ForeignKeyField('cip.Circle', source_field='circle_id', db_constraint=True, to_field='id', related_name='updates', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('cip.CircleMember', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='updates', on_delete=OnDelete.SET_NULL)),
                ('body_sealed', fields.BinaryField()),
                ('posted_on', fields.DateField()),
                ('expires_on', fields.DateField(db_index=True)),
            ],
            options={'table': 'cip_circle_update', 'app': 'cip', 'indexes': [Index(fields=['circle_id', 'posted_on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CoordinatorWeek',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(max_length=64)),
                ('week_start', fields.DateField()),
                ('coordinator', fields.CharField(max_length=64)),
                ('actions', fields.IntField(default=0)),
            ],
            options={'table': 'cip_coordinator_week', 'app': 'cip', 'unique_together': (('neighborhood', 'week_start', 'coordinator'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HoldTransfer',
            fields=[
                ('code_hash', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('hold', fields.ForeignKeyField('cip.CareHold', source_field='hold_id', db_constraint=True, to_field='id', related_name='transfers', on_delete=OnDelete.CASCADE)),
                ('expires_on', fields.DateField()),
            ],
            options={'table': 'cip_hold_transfer', 'app': 'cip', 'pk_attr': 'code_hash'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PeerPost',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('author', fields.CharField(null=True, max_length=64)),
                ('body_sealed', fields.BinaryField()),
                ('posted_on', fields.DateField()),
                ('expires_on', fields.DateField(db_index=True)),
            ],
            options={'table': 'cip_peer_post', 'app': 'cip', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Release',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(max_length=64)),
                ('week_start', fields.DateField()),
                ('window_days', fields.IntField()),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('computed_on', fields.DateField()),
            ],
            options={'table': 'cip_release', 'app': 'cip', 'unique_together': (('neighborhood', 'week_start', 'window_days'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RepairThread',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(db_index=True, max_length=64)),
                ('stage', fields.CharField(max_length=16)),
                ('paused', fields.BooleanField(default=False)),
                ('advance_proposed', fields.BooleanField(default=False)),
                ('opened_on', fields.DateField()),
            ],
            options={'table': 'cip_repair_thread', 'app': 'cip', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RepairEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('cip.RepairThread', source_field='thread_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('stage', fields.CharField(max_length=16)),
                ('author_role', fields.CharField(max_length=24)),
                ('body_sealed', fields.BinaryField()),
                ('posted_on', fields.DateField()),
            ],
            options={'table': 'cip_repair_entry', 'app': 'cip', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RepairInvite',
            fields=[
                ('code_hash', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('thread', fields.ForeignKeyField('cip.RepairThread', source_field='thread_id', db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(max_length=24)),
                ('expires_on', fields.DateField()),
            ],
            options={'table': 'cip_repair_invite', 'app': 'cip', 'pk_attr': 'code_hash'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RepairParty',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('cip.RepairThread', source_field='thread_id', db_constraint=True, to_field='id', related_name='parties', on_delete=OnDelete.CASCADE)),
                ('member', fields.CharField(db_index=True, max_length=64)),
                ('role', fields.CharField(max_length=24)),
                ('name_sealed', fields.BinaryField()),
            ],
            options={'table': 'cip_repair_party', 'app': 'cip', 'unique_together': (('thread', 'role'), ('thread', 'member')), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RotaSlot',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('circle', fields.ForeignKeyField('cip.Circle', source_field='circle_id', db_constraint=True, to_field='id', related_name='rota', on_delete=OnDelete.CASCADE)),
                ('on', fields.DateField()),
                ('task_sealed', fields.BinaryField()),
                ('holder', fields.ForeignKeyField('cip.CircleMember', source_field='holder_id', null=True, db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'cip_rota_slot', 'app': 'cip', 'indexes': [Index(fields=['circle_id', 'on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SupportAsk',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('neighborhood', fields.CharField(db_index=True, max_length=64)),
                ('asker', fields.CharField(db_index=True, max_length=64)),
                ('note_sealed', fields.BinaryField()),
                ('asked_on', fields.DateField()),
                ('expires_on', fields.DateField(db_index=True)),
            ],
            options={'table': 'cip_support_ask', 'app': 'cip', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WellbeingAnswer',
            fields=[
                ('coordinator', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('answered_on', fields.DateField()),
            ],
            options={'table': 'cip_wellbeing_answer', 'app': 'cip', 'pk_attr': 'coordinator'},
            bases=['Model'],
        ),
    ]
