from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='DataKey',
            fields=[
                ('owner', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=80)),
                ('wrapped', fields.BinaryField()),
                ('created_on', fields.DateField()),
            ],
            options={'table': 'cip_data_key', 'app': 'keys', 'pk_attr': 'owner'},
            bases=['Model'],
        ),
    ]
