from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('cip', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RateCounter',
            fields=[
                ('bucket', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=96)),
                ('hits', fields.IntField()),
                ('expires_at', fields.BigIntField(db_index=True)),
            ],
            options={'table': 'cip_rate_counter', 'app': 'cip', 'pk_attr': 'bucket'},
            bases=['Model'],
        ),
    ]
