"""Seed the editable lists from the seed's market plan (市场规划): product lines and channel types, with the
words that find a channel type from a caller's business (行业). The admin edits all of them afterwards."""

from django.db import migrations

PRODUCT_LINES = [
    ("car", "小车", 10),
    ("motorcycle", "摩托车", 20),
]

CHANNEL_TYPES = [
    ("car-clubs", "车友俱乐部和协会", 10),
    ("chambers-of-commerce", "商会", 20),
    ("4s-repair-public", "4S维修店、维修部及公共区域", 30),
    ("parking-lots", "小区停车场、社会停车场", 40),
    ("smes", "中小企业", 50),
    ("car-dealers", "车行", 60),
    ("car-owner-telemarketing", "有车一族电话营销", 70),
    ("life-insurance-partners", "人寿保险渠道", 80),
    ("government-tenders", "政府招投标", 90),
    ("motorcycle-repair", "摩托车维修部", 100),
    ("residential-communities", "小区", 110),
    ("motorcycle-dealers", "摩托车车行", 120),
    ("licensing-halls", "办证大厅流动办证人员及培训班和小卖部", 130),
    ("other", "其它", 900),
]


# Words a caller or a prospect list uses for its business (行业), per seeded channel type; the admin edits them.
KEYWORDS = {
    "car-clubs": ["车友会", "车友", "俱乐部", "协会"],
    "chambers-of-commerce": ["商会"],
    "4s-repair-public": ["4S", "维修", "修理", "汽修", "汽车服务", "美容"],
    "parking-lots": ["停车场", "停车", "物业"],
    "smes": ["中小企业", "企业", "公司", "工厂", "运输", "物流", "贸易"],
    "car-dealers": ["车行", "汽车销售", "经销", "二手车"],
    "car-owner-telemarketing": ["车主", "私家车", "个人"],
    "life-insurance-partners": ["人寿", "寿险"],
    "government-tenders": ["政府", "招标", "机关", "事业单位"],
    "motorcycle-repair": ["摩托车维修", "摩托维修", "摩托车修理"],
    "residential-communities": ["小区", "社区", "住宅"],
    "motorcycle-dealers": ["摩托车行", "摩托车销售", "摩托车经销"],
    "licensing-halls": ["办证", "驾校", "培训", "小卖部"],
}


def seed(apps, schema_editor):
    ProductLine = apps.get_model("territories", "ProductLine")
    ChannelType = apps.get_model("territories", "ChannelType")
    for code, name, order in PRODUCT_LINES:
        ProductLine.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name, order in CHANNEL_TYPES:
        ChannelType.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order, "keywords": KEYWORDS.get(code, [])}
        )


def unseed(apps, schema_editor):
    apps.get_model("territories", "ChannelType").objects.filter(code__in=[c for c, _, _ in CHANNEL_TYPES]).delete()
    apps.get_model("territories", "ProductLine").objects.filter(code__in=[c for c, _, _ in PRODUCT_LINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
