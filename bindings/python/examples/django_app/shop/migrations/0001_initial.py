from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reference", models.CharField(max_length=255, unique=True)),
                ("payment_state", models.CharField(default="new", max_length=32)),
                ("webhook_state", models.TextField(default="{}")),
                ("fulfilments", models.IntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name="WebhookLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event_id", models.CharField(max_length=36)),
                ("reference", models.CharField(max_length=255, null=True)),
                ("action", models.CharField(max_length=8)),
                ("reason", models.CharField(max_length=16)),
                ("received_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
