"""Generate the bundled example supplier file ``data/examples/suppliers.csv``.

The company, the suppliers, their names, ids, spend, headcounts and every piece
of supplier evidence are FICTIONAL. Only the codes are real: ISIC Rev.4 sector
codes, ISO 3166 country codes (plus a few common spellings the package must
resolve) and good names spelled exactly as in the US Department of Labor 2022
TVPRA *List of Goods Produced by Child Labor or Forced Labor*.

The file describes "Northwind Apparel & Home", an invented retailer of clothing
and home goods, with three tiers of suppliers linked by ``buyer_id``: cotton
farms feed spinning mills, mills feed garment factories, labour agencies staff
warehouses, and so on.

Run from the repository root::

    python scripts/make_example_suppliers.py

The output is byte-for-byte identical on every run: randomness comes only from
``numpy.random.default_rng(SEED)`` consumed in a fixed order, no file is read,
and the CSV is written with the :mod:`csv` module and explicit number
formatting, so pandas plays no part. NumPy does not promise identical
``Generator`` streams across its releases (NEP 19), so after a NumPy upgrade
rerun the script and ``git diff`` the CSV.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SEED = 20091209  # date of the UNODC background paper the model cites
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "data" / "examples" / "suppliers.csv"

COLUMNS = [
    "supplier_id",
    "name",
    "country",
    "sector",
    "buyer_id",
    "tier",
    "spend",
    "workers",
    "good",
    "migrant_worker_share",
    "agency_worker_share",
    "uses_recruiter",
    "audit_forced_labour_indicators",
]


@dataclass(frozen=True)
class Role:
    """What kind of business a supplier is, and what it tends to buy from.

    Parameters
    ----------
    sector : str
        Canonical ISIC Rev.4 code (section letter + division, or section).
    countries : dict of str to float
        ISO3 country -> relative weight, used when the role is not pinned to
        its buyer's country.
    good : str or dict of str to str or None
        TVPRA good name; a dict maps ISO3 -> good, key ``"*"`` is the default.
    workers : int
        Median headcount; drawn lognormally around it.
    activity : dict of str to str
        Language code -> word(s) used in the invented company name.
    same_country : float
        Probability that a tier-2/3 supplier sits in its buyer's country
        (local sourcing is the norm for services and much of textiles).
    children : list of tuple
        ``(role_key, probability)`` pairs: each is drawn once per supplier.
    sector_variants : tuple of str
        Other spellings of the same sector (4-digit class codes, ISIC titles)
        that the package has to resolve; used for a few rows only.
    """

    sector: str
    countries: dict[str, float]
    good: str | dict[str, str] | None
    workers: int
    activity: dict[str, str]
    same_country: float = 0.0
    children: list[tuple[str, float]] = field(default_factory=list)
    sector_variants: tuple[str, ...] = ()

    def good_for(self, iso3: str) -> str:
        """Return the TVPRA good name for a site in ``iso3`` ('' if none)."""
        if self.good is None:
            return ""
        if isinstance(self.good, str):
            return self.good
        return self.good.get(iso3, self.good.get("*", ""))


# The tables below are data laid out for reading, so the formatter keeps out.
# fmt: off

# Apparel sourcing is weighted towards countries whose garments are NOT on the
# forced-labour list, so the example is mixed rather than uniformly alarming.
ROLES: dict[str, Role] = {
    # ---- tier 1: goods -------------------------------------------------------
    "garment": Role(
        "C14",
        {"BGD": 3, "CHN": 2, "VNM": 2, "IND": 2, "TUR": 4, "PAK": 3, "KHM": 4,
         "MYS": 1, "THA": 1, "MEX": 3, "GTM": 2, "PRT": 3, "ITA": 2, "ETH": 2,
         "LKA": 2},
        "Garments", 900,
        {"en": "Apparel", "vi": "May mặc", "tr": "Konfeksiyon", "es": "Confecciones",
         "pt": "Confeções", "it": "Confezioni"},
        children=[("weaving", 0.9), ("weaving", 0.35), ("trims", 0.4),
                  ("labour_agency", 0.2), ("packaging", 0.25), ("dyes", 0.2)],
        sector_variants=("1410", "Manufacture of wearing apparel"),
    ),
    "home_textile": Role(
        "C13",
        {"IND": 2, "PAK": 3, "TUR": 2, "CHN": 1, "BGD": 1, "PRT": 1},
        "Textiles", 600,
        {"en": "Home Textiles", "tr": "Ev Tekstili", "pt": "Têxteis Lar"},
        children=[("spinning", 0.85), ("dyes", 0.4)],
        sector_variants=("1392",),
    ),
    "footwear": Role(
        "C15",
        {"CHN": 1, "VNM": 2, "IDN": 2, "IND": 1, "BRA": 1, "ITA": 1},
        {"IDN": "Footwear (sandals)", "*": "Footwear"}, 1500,
        {"en": "Footwear", "vi": "Giày da", "id": "Sepatu", "pt": "Calçados",
         "it": "Calzaturificio"},
        children=[("tannery", 0.8), ("trims", 0.4)],
    ),
    "leather_goods": Role(
        "C15",
        {"IND": 1, "MEX": 1, "ITA": 1},
        "Leather Goods/Accessories", 250,
        {"en": "Leather Crafts", "es": "Marroquinería", "it": "Pelletteria"},
        children=[("tannery", 1.0)],
    ),
    "furniture": Role(
        "C31",
        {"VNM": 2, "TUR": 1, "PAK": 1, "IDN": 1, "POL": 1},
        "Furniture", 400,
        {"en": "Furniture", "vi": "Gỗ", "tr": "Mobilya", "id": "Mebel",
         "pl": "Meble"},
        children=[("sawmill", 1.0)],
    ),
    "ceramics": Role(
        "C23",
        {"PRT": 2, "BRA": 1, "ITA": 1, "CHN": 1},
        "Ceramics", 300,
        {"en": "Ceramics", "pt": "Cerâmica", "it": "Ceramiche"},
        children=[("quarry", 0.9)],
    ),
    "glassware": Role(
        "C23",
        {"BGD": 1, "TUR": 1, "CHN": 1},
        "Glass", 350,
        {"en": "Glass Works", "tr": "Cam"},
        children=[("quarry", 0.6)],
    ),
    "electronics": Role(
        "C26",
        {"CHN": 2, "MYS": 2, "VNM": 1, "MEX": 1},
        "Electronics", 2500,
        {"en": "Electronics", "vi": "Điện tử", "es": "Electrónica"},
        children=[("components", 0.9), ("labour_agency", 0.4)],
    ),
    "lighting": Role(
        "C27",
        {"CHN": 2, "VNM": 1, "TUR": 1},
        "Electronics", 500,
        {"en": "Lighting", "vi": "Chiếu sáng", "tr": "Aydınlatma"},
        children=[("components", 0.7)],
    ),
    "decorations": Role(
        "C32",
        {"CHN": 2, "IND": 1},
        {"CHN": "Christmas Decorations", "*": "Fashion Accessories"}, 300,
        {"en": "Festive Crafts"},
    ),
    "soap": Role(
        "C20",
        {"BGD": 1, "GBR": 1},
        "Soap", 120,
        {"en": "Soap & Candle"},
    ),
    "rubber_gloves": Role(
        "C22",
        {"MYS": 1},
        "Rubber Gloves", 1800,
        {"en": "Glove Industries"},
        children=[("labour_agency", 0.9)],
    ),
    # ---- tier 1: services ---------------------------------------------------
    "warehouse": Role(
        "H52",
        {"USA": 3, "GBR": 2, "DEU": 2},
        None, 350,
        {"en": "Distribution", "de": "Lagerlogistik"},
        children=[("labour_agency", 0.9), ("cleaning", 0.7), ("security", 0.5)],
        sector_variants=(
            "5210", "Warehousing and support activities for transportation",
        ),
    ),
    "road_freight": Role(
        "H49",
        {"USA": 2, "GBR": 2, "DEU": 1, "MEX": 1, "TUR": 1, "BGD": 1},
        None, 220,
        {"en": "Haulage", "de": "Spedition", "es": "Transportes", "tr": "Nakliyat"},
        children=[("subhaulier", 0.5), ("subhaulier", 0.2)],
        sector_variants=("4923",),
    ),
    "shipping": Role(
        "H50",
        {"SGP": 1, "DEU": 1, "CHN": 1},
        None, 800,
        {"en": "Shipping Lines", "de": "Reederei"},
        children=[("manning_agency", 0.7)],
    ),
    "wholesale": Role(
        "G",
        {"USA": 1, "GBR": 1, "DEU": 1},
        None, 60,
        {"en": "Trading", "de": "Handel"},
    ),
    "store_cleaning": Role(
        "N81",
        {"USA": 1, "GBR": 2},
        None, 400,
        {"en": "Facility Services"},
        children=[("labour_agency", 0.5)],
        sector_variants=("8121",),
    ),
    "store_security": Role(
        "N80",
        {"USA": 1, "GBR": 1},
        None, 250,
        {"en": "Security Services"},
    ),
    "canteen": Role(
        "I56",
        {"GBR": 1, "USA": 1},
        None, 90,
        {"en": "Catering"},
        children=[("seafood", 1.0), ("cleaning", 0.4)],
    ),
    "hotel": Role(
        "I55",
        {"BGD": 1, "VNM": 1, "GBR": 1},
        None, 150,
        {"en": "Hotel", "vi": "Khách sạn"},
        children=[("laundry", 0.7)],
    ),
    "construction": Role(
        "F",
        {"GBR": 1, "USA": 1, "BGD": 1, "IND": 1},
        None, 300,
        {"en": "Builders"},
        children=[("bricks", 0.8), ("labour_agency", 0.5)],
    ),
    "consulting": Role(
        "M", {"GBR": 1, "IND": 1, "DEU": 1}, None, 80,
        {"en": "Compliance Advisory", "de": "Beratung"},
    ),
    "it": Role("J", {"IND": 1, "USA": 1}, None, 120, {"en": "Software"}),
    "finance": Role(
        "K", {"USA": 1, "GBR": 1}, None, 500, {"en": "Trade Finance"}
    ),
    # ---- tier 2 -------------------------------------------------------------
    "weaving": Role(
        "C13",
        {"CHN": 2, "IND": 2, "PAK": 2, "TUR": 2, "BGD": 1},
        "Textiles", 700,
        {"en": "Weaving Mills", "vi": "Dệt", "tr": "Dokuma", "es": "Textiles",
         "pt": "Tecelagem", "it": "Tessitura"},
        same_country=0.6,
        children=[("spinning", 0.6), ("cotton_farm", 0.15)],
        sector_variants=("1312", "Manufacture of textiles"),
    ),
    "spinning": Role(
        "C13",
        {"IND": 2, "PAK": 3, "UZB": 2, "CHN": 1, "TUR": 2},
        "Thread/Yarn", 900,
        {"en": "Spinning Mills", "tr": "İplik", "uz": "Yigiruv", "es": "Hilaturas",
         "pt": "Fiação", "it": "Filatura", "vi": "Sợi"},
        same_country=0.4,
        children=[("cotton_farm", 0.85), ("cotton_farm", 0.25)],
        sector_variants=("1311",),
    ),
    "trims": Role(
        "C22",
        {"CHN": 3, "VNM": 1, "IND": 1},
        None, 150,
        {"en": "Trims & Accessories", "vi": "Phụ liệu may", "es": "Avíos",
         "pt": "Aviamentos", "it": "Accessori", "tr": "Aksesuar"},
        same_country=0.5,
    ),
    "dyes": Role(
        "C20",
        {"CHN": 2, "IND": 2, "DEU": 1},
        None, 200,
        {"en": "Dyestuffs", "de": "Farbstoffe"},
    ),
    "packaging": Role(
        "C17",
        {"CHN": 1},
        None, 120,
        {"en": "Packaging", "vi": "Bao bì", "tr": "Ambalaj", "es": "Empaques",
         "pt": "Embalagens", "it": "Imballaggi", "id": "Kemasan"},
        same_country=0.9,
    ),
    "tannery": Role(
        "C15",
        {"BGD": 2, "PAK": 2, "IND": 1, "VNM": 1, "BRA": 1, "ITA": 1},
        "Leather", 250,
        {"en": "Tannery", "vi": "Thuộc da", "pt": "Curtume", "it": "Conceria",
         "es": "Curtiduría", "id": "Penyamakan Kulit", "tr": "Deri"},
        same_country=0.3,
        children=[("cattle", 0.5)],
    ),
    "sawmill": Role(
        "C16",
        {"VNM": 1, "BRA": 1, "KHM": 1},
        "Timber", 120,
        {"en": "Timber", "vi": "Lâm sản", "pt": "Madeireira", "pl": "Tartak",
         "id": "Kayu", "tr": "Kereste"},
        same_country=0.5,
        children=[("logging", 0.6)],
    ),
    "quarry": Role(
        "B08",
        {"IND": 1, "EGY": 1},
        {"IND": "Stones", "EGY": "Stones (limestone)", "*": "Sand"}, 60,
        {"en": "Minerals", "pt": "Argilas", "it": "Cave", "tr": "Maden"},
        same_country=0.6,
    ),
    "components": Role(
        "C26",
        {"CHN": 3, "MYS": 2, "THA": 1},
        "Electronics", 1200,
        {"en": "Precision Components", "vi": "Linh kiện", "es": "Componentes",
         "tr": "Elektronik Parça"},
        same_country=0.4,
        children=[("tin_mine", 0.35), ("mica_mine", 0.25)],
    ),
    "labour_agency": Role(
        "N78",
        {"GBR": 1},
        None, 40,
        {"en": "Staffing", "de": "Personaldienste", "es": "Personal", "vi": "Nhân lực",
         "id": "Tenaga Kerja", "pt": "Recursos Humanos", "it": "Lavoro Interinale",
         "tr": "İnsan Kaynakları"},
        same_country=1.0,
        children=[("overseas_recruiter", 0.45)],
        sector_variants=("7830", "Employment activities"),
    ),
    "cleaning": Role(
        "N81",
        {"GBR": 1},
        None, 120,
        {"en": "Cleaning Services", "de": "Gebäudereinigung", "es": "Limpieza"},
        same_country=1.0,
        sector_variants=("8121",),
    ),
    "security": Role(
        "N80", {"GBR": 1}, None, 80,
        {"en": "Guarding", "de": "Sicherheitsdienst", "es": "Seguridad"},
        same_country=1.0,
    ),
    "subhaulier": Role(
        "H49", {"GBR": 1}, None, 12,
        {"en": "Transport", "de": "Transporte", "es": "Fletes", "tr": "Lojistik",
         "pt": "Transportes"},
        same_country=1.0,
    ),
    "manning_agency": Role(
        "N78", {"PHL": 3, "IDN": 1}, None, 30,
        {"en": "Manning", "id": "Awak Kapal"},
    ),
    "seafood": Role(
        "C10",
        {"THA": 2, "VNM": 1, "IDN": 1},
        {"THA": "Shrimp", "*": "Fish"}, 600,
        {"en": "Seafood", "vi": "Thủy sản", "id": "Hasil Laut"},
        children=[("fishing", 1.0)],
    ),
    "laundry": Role(
        "S96", {"GBR": 1}, None, 25, {"en": "Laundry", "vi": "Giặt là"},
        same_country=1.0,
    ),
    "bricks": Role(
        "C23", {"IND": 1}, "Bricks", 90, {"en": "Brick Works"},
        same_country=1.0,
    ),
    # ---- tier 3 -------------------------------------------------------------
    "cotton_farm": Role(
        "A01",
        {"IND": 3, "PAK": 2, "UZB": 2, "TKM": 1, "CHN": 1, "TUR": 1, "USA": 1,
         "BRA": 1, "EGY": 1},
        "Cotton", 45,
        {"en": "Cotton Farms", "tr": "Pamuk", "uz": "Paxta klasteri",
         "pt": "Algodão", "es": "Algodonera"},
        same_country=0.5,
    ),
    "cattle": Role(
        "A01", {"BRA": 2, "PAK": 1}, {"PAK": "Bovines", "*": "Cattle"}, 20,
        {"en": "Livestock", "pt": "Agropecuária"},
    ),
    "logging": Role(
        "A02", {"BRA": 1, "KHM": 1, "VNM": 1}, "Timber", 35,
        {"en": "Forestry", "pt": "Florestal", "vi": "Lâm nghiệp"},
        same_country=0.6,
    ),
    "fishing": Role(
        "A03", {"THA": 2, "IDN": 1}, "Fish", 18,
        {"en": "Fisheries", "id": "Perikanan", "vi": "Đánh bắt"},
        same_country=0.8,
    ),
    "tin_mine": Role(
        "B07", {"IDN": 1}, "Tin", 150, {"en": "Mining", "id": "Tambang Timah"},
    ),
    "mica_mine": Role(
        "B08", {"IND": 1}, "Mica", 60, {"en": "Mica Mines"},
    ),
    "overseas_recruiter": Role(
        "N78", {"NPL": 2, "BGD": 1, "IDN": 1, "PHL": 1, "ROU": 1}, None, 15,
        {"en": "Overseas Employment", "ro": "Recrutare", "id": "Penyalur Tenaga Kerja"},
    ),
}

# How many tier-1 suppliers of each role Northwind contracts directly.
TIER1_COUNTS: dict[str, int] = {
    "garment": 28, "home_textile": 9, "footwear": 6, "leather_goods": 3,
    "furniture": 6, "ceramics": 4, "glassware": 2, "electronics": 4, "lighting": 3,
    "decorations": 2, "soap": 2, "rubber_gloves": 1, "warehouse": 6,
    "road_freight": 6, "shipping": 2, "wholesale": 2, "store_cleaning": 2,
    "store_security": 2, "canteen": 2, "hotel": 3, "construction": 3,
    "consulting": 2, "it": 2, "finance": 2,
}

# Where a role's supplier sits given its buyer's country, for links with a
# known geography: recruitment corridors into migrant-destination countries,
# and the cotton trade (Turkmen and Uzbek lint to Turkey and China, US and
# Brazilian lint to Bangladesh, Pakistan and China). Overrides same_country.
UPSTREAM_ORIGINS: dict[str, dict[str, dict[str, float]]] = {
    "overseas_recruiter": {
        "MYS": {"NPL": 3, "BGD": 2, "IDN": 2, "MMR": 1},
        "THA": {"MMR": 3, "KHM": 2},
        "GBR": {"ROU": 2, "PHL": 1, "NPL": 1},
        "DEU": {"ROU": 2, "POL": 1},
        "USA": {"MEX": 2, "GTM": 1, "PHL": 1},
    },
    "cotton_farm": {
        "TUR": {"TUR": 2, "TKM": 1, "UZB": 1, "USA": 1},
        "PAK": {"PAK": 3, "USA": 1, "BRA": 1},
        "IND": {"IND": 1},
        "CHN": {"CHN": 2, "USA": 1, "BRA": 1, "UZB": 1},
        "UZB": {"UZB": 1},
        "BGD": {"IND": 2, "USA": 1, "BRA": 1, "UZB": 1},
    },
}

LANGUAGE = {
    "VNM": "vi", "TUR": "tr", "IDN": "id", "MEX": "es", "GTM": "es", "BRA": "pt",
    "PRT": "pt", "ITA": "it", "DEU": "de", "UZB": "uz", "ROU": "ro", "POL": "pl",
}

# Legal-form templates; {s} = invented stem, {a} = activity word.
NAME_FORMS = {
    "BGD": "{s} {a} Ltd.", "CHN": "{s} {a} Co., Ltd.", "VNM": "Công ty TNHH {a} {s}",
    "IND": "{s} {a} Pvt. Ltd.", "TUR": "{s} {a} A.Ş.", "PAK": "{s} {a} (Pvt.) Ltd.",
    "KHM": "{s} {a} (Cambodia) Co., Ltd.", "MYS": "{s} {a} Sdn. Bhd.",
    "THA": "{s} {a} Co., Ltd.", "IDN": "PT {s} {a}", "MEX": "{a} {s} S.A. de C.V.",
    "GTM": "{a} {s} S.A.", "BRA": "{a} {s} Ltda.", "PRT": "{a} {s} Lda.",
    "ITA": "{a} {s} S.r.l.", "DEU": "{s} {a} GmbH", "GBR": "{s} {a} Ltd",
    "USA": "{s} {a} LLC", "ETH": "{s} {a} PLC", "UZB": "{s} {a} MChJ",
    "TKM": "{s} {a} HJ", "LKA": "{s} {a} (Pvt) Ltd", "NPL": "{s} {a} Pvt. Ltd.",
    "PHL": "{s} {a} Inc.", "ROU": "{s} {a} S.R.L.", "SGP": "{s} {a} Pte. Ltd.",
    "EGY": "{s} {a} S.A.E.", "POL": "{s} {a} Sp. z o.o.", "MMR": "{s} {a} Co., Ltd.",
}

# Invented name stems (place names, rivers, given names, auspicious words).
STEMS = {
    "BGD": ["Rahim", "Meghna", "Padma", "Shapla", "Karnaphuli", "Rupali", "Jamuna Tara",
            "Nurjahan", "Sonargaon", "Dhaleshwari", "Anwara", "Moyna"],
    "CHN": ["Ningbo Hengfeng", "Shaoxing Jinda", "Dongguan Huamei", "Qingdao Haixin",
            "Xiamen Minfeng", "Jiangsu Tianyu", "Foshan Meilong", "Yiwu Xingchen",
            "Wuxi Ruitai", "Aksu Baiyun", "Shantou Hongda", "Suzhou Lanting"],
    "VNM": ["Lam Sơn", "Kim Ngân", "Trường Thịnh", "Hải Đăng", "Bình Minh",
            "Minh Phát", "Hòa Bình Xanh", "Phú Lộc", "Thái Sơn"],
    "IND": ["Tiruppur Lakshmi", "Ganga", "Shree Balaji", "Kaveri", "Ludhiana Arora",
            "Panipat Sharma", "Surat Mehta", "Coimbatore Murugan", "Jaipur Rang",
            "Vidarbha", "Narmada", "Bhadohi Kesar"],
    "TUR": ["Özdemir", "Yıldız", "Ege Pamuk", "Bursa Kaya", "Denizli Akın",
            "Çukurova", "Gaziantep Şahin", "Kayseri Erciyes"],
    "PAK": ["Faisalabad Crescent Star", "Sialkot Noor", "Karachi Al-Habib",
            "Multan Fatima", "Lahore Zaman", "Sargodha", "Gujranwala Ittefaq",
            "Kasur Mehran", "Sheikhupura Ravi"],
    "KHM": ["Angkor Silk", "Mekong Star", "Tonle", "Kampot Bay", "Phnom Meas",
            "Battambang Rong", "Kandal Sovann", "Takeo Bopha"],
    "MYS": ["Sinar Jaya", "Bukit Emas", "Cahaya Timur", "Penang Mutiara",
            "Klang Setia", "Seremban Harmoni", "Johor Perdana", "Kulim Bestari"],
    "THA": ["Siam Ocean", "Chao Phraya", "Samut Sakhon Pattana", "Lanna Thai",
            "Songkhla Rungrueang", "Rayong Charoen", "Mae Sot Sombat"],
    "IDN": ["Sumber Rejeki", "Cahaya Abadi", "Bangka Makmur", "Sinar Samudra",
            "Jepara Jati", "Karya Mandiri"],
    "MEX": ["del Bajío", "Puebla Real", "Tehuacán Azul", "Monterrey Norte",
            "Jalisco Sol"],
    "GTM": ["Quetzal", "Villa Nueva", "Chimaltenango", "Mixco", "Atitlán"],
    "BRA": ["Vale do Itajaí", "Cerrado", "Santa Catarina", "Franca Couros",
            "Rio Verde"],
    "PRT": ["do Minho", "Barcelos", "Vale do Ave", "Alcobaça", "Guimarães"],
    "ITA": ["Brianza", "Biella", "Rossi", "Santa Croce", "Sassuolo"],
    "DEU": ["Weser", "Müller", "Rhein-Ruhr", "Hansa", "Schäfer"],
    "GBR": ["Pennine", "Thameside", "Harbour", "Midlands", "Calder Valley",
            "Fenland", "Solent", "Northgate", "Clydebank", "Severn"],
    "USA": ["Cascade", "Blue Ridge", "Prairie", "Lakeshore", "Delta", "Summit",
            "Red River", "Bayou"],
    "ETH": ["Hawassa", "Abay", "Entoto", "Adama"],
    "UZB": ["Fergana Vodiy", "Buxoro", "Sirdaryo", "Namangan"],
    "TKM": ["Mary Ak Altyn", "Lebap"],
    "LKA": ["Kelani", "Ceylon Lotus", "Katunayake"],
    "NPL": ["Himal", "Everest Sagarmatha", "Lumbini"],
    "PHL": ["Visayas", "Luzon Pacific", "Bagong Pag-asa"],
    "ROU": ["Carpați", "Dunărea"],
    "SGP": ["Straits Meridian", "Lion Harbour"],
    "EGY": ["Nile Delta", "Aswan"],
    "POL": ["Mazowsze", "Wisła"],
    "MMR": ["Irrawaddy", "Shwe Pyi"],
}

# Spellings other than ISO3 that the package resolves (ISO2 and common names).
COUNTRY_ALIASES = {
    "CHN": ["CN", "China"], "VNM": ["Viet Nam", "VN", "Vietnam"],
    "TUR": ["Türkiye", "Turkey", "TR"], "GBR": ["UK", "United Kingdom", "GB"],
    "BGD": ["Bangladesh", "BD"], "USA": ["United States", "US"],
    "IND": ["India", "IN"], "DEU": ["Germany", "DE"], "PAK": ["Pakistan", "PK"],
    "KHM": ["Cambodia", "KH"], "MYS": ["Malaysia", "MY"], "PRT": ["Portugal"],
}
# Each of these spellings is written at least once so the example exercises it.
REQUIRED_ALIASES = {"VNM": "Viet Nam", "TUR": "Türkiye", "GBR": "UK",
                    "BGD": "Bangladesh", "CHN": "CN"}
# fmt: on
ALIAS_RATE = 0.12
SECTOR_VARIANT_RATE = 0.12

SERVICE_SECTIONS = ("F", "G", "H", "I", "J", "K", "M", "N", "S")
OFFICE_SECTORS = ("G", "J", "K", "M")


@dataclass
class Supplier:
    """One generated row before formatting; fields mirror :data:`COLUMNS`."""

    role: str
    iso3: str
    tier: int
    buyer: int | None  # index into the supplier list, None for tier 1
    spend: float = 0.0
    workers: int = 0
    fields: dict[str, str] = field(default_factory=dict)


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    """Draw one key of ``weights`` with probability proportional to its value."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _apportion(count: int, weights: dict[str, float]) -> list[str]:
    """Split ``count`` tier-1 suppliers over countries by largest remainder.

    Tier 1 is the retailer's sourcing plan, so it is apportioned rather than
    drawn: every listed country appears when ``count`` allows, whatever the seed.
    """
    total = sum(weights.values())
    quotas = {k: count * w / total for k, w in weights.items()}
    alloc = {k: int(q) for k, q in quotas.items()}
    by_remainder = sorted(quotas, key=lambda k: alloc[k] - quotas[k])
    for k in by_remainder[: count - sum(alloc.values())]:
        alloc[k] += 1
    return [k for k in weights for _ in range(alloc[k])]


def _child_country(
    rng: np.random.Generator, role_key: str, role: Role, buyer_iso3: str
) -> str:
    """Choose where a tier-2/3 supplier operates, given its buyer's country."""
    origins = UPSTREAM_ORIGINS.get(role_key, {}).get(buyer_iso3)
    if origins is not None:
        return _pick(rng, origins)
    if rng.random() < role.same_country:
        return buyer_iso3
    return _pick(rng, role.countries)


def build_network(rng: np.random.Generator) -> list[Supplier]:
    """Create the supplier graph: tier-1 roles, then their upstream suppliers.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness; consumed in a fixed order.

    Returns
    -------
    list of Supplier
        Tier-1 suppliers first, then each tier in order of discovery.
    """
    suppliers: list[Supplier] = []
    for role_key, count in TIER1_COUNTS.items():
        for iso3 in _apportion(count, ROLES[role_key].countries):
            suppliers.append(Supplier(role_key, iso3, 1, None))
    frontier = list(range(len(suppliers)))
    for tier in (2, 3):
        next_frontier = []
        for parent_index in frontier:
            parent = suppliers[parent_index]
            for child_key, probability in ROLES[parent.role].children:
                if rng.random() >= probability:
                    continue
                iso3 = _child_country(rng, child_key, ROLES[child_key], parent.iso3)
                suppliers.append(Supplier(child_key, iso3, tier, parent_index))
                next_frontier.append(len(suppliers) - 1)
        frontier = next_frontier
    return suppliers


def _make_names(rng: np.random.Generator, suppliers: list[Supplier]) -> list[str]:
    """Invent a unique, plausible company name for every supplier."""
    # Shuffled stem decks per country, so names vary but stay deterministic.
    decks = {
        c: [stems[i] for i in rng.permutation(len(stems))] for c, stems in STEMS.items()
    }
    position = dict.fromkeys(decks, 0)
    seen: set[str] = set()
    names = []
    for s in suppliers:
        deck = decks[s.iso3]
        stem = deck[position[s.iso3] % len(deck)]
        position[s.iso3] += 1
        activity = ROLES[s.role].activity
        word = activity.get(LANGUAGE.get(s.iso3, "en"), activity["en"])
        name = NAME_FORMS[s.iso3].format(s=stem, a=word)
        # Big groups really do run several sites under one name + unit number.
        unit = 2
        base = name
        while name in seen:
            name = f"{base} (Unit {unit})"
            unit += 1
        seen.add(name)
        names.append(name)
    return names


def _is_high_context(s: Supplier) -> bool:
    """Rows where audits plausibly find indicators.

    Migrant-worker hubs, labour agencies, farms and fishing, and garment or
    textile sites in the countries whose garments are on the DOL list. Kept as
    a fixed rule (no file read) so the output never depends on data files.
    """
    role = ROLES[s.role]
    return (
        s.iso3 in {"MYS", "THA"}
        or role.sector in {"N78", "A01", "A03"}
        or (role.sector in {"C13", "C14"} and s.iso3 in {"BGD", "CHN", "IND", "VNM"})
    )


def assign_attributes(rng: np.random.Generator, suppliers: list[Supplier]) -> None:
    """Fill spend, headcount, codes and the sparse supplier evidence in place.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness, consumed in a fixed order.
    suppliers : list of Supplier
        Output of :func:`build_network`; modified in place.
    """
    for s in suppliers:
        role = ROLES[s.role]
        service = role.sector[0] in SERVICE_SECTIONS
        # Tier-1 spend is the retailer's own; deeper tiers report their sales to
        # the buyer above, which is smaller and never exceeds the buyer's.
        median = {1: 4.0e5 if service else 1.8e6, 2: 3.0e5, 3: 6.0e4}[s.tier]
        spend = float(rng.lognormal(np.log(median), 0.9))
        if s.buyer is not None:
            spend = min(spend, 0.6 * suppliers[s.buyer].spend)
        s.spend = max(round(spend, -2), 100.0)
        s.workers = max(3, int(round(rng.lognormal(np.log(role.workers), 0.6))))

        good = role.good_for(s.iso3)

        # Evidence is sparse and skewed to tier 1: buyers question their direct
        # suppliers far more often than anyone further upstream.
        share_p = {1: 0.52, 2: 0.30, 3: 0.14}[s.tier]
        migrant = agency = ""
        if rng.random() < share_p:
            if s.iso3 in {"MYS", "THA"} or role.sector == "N78":
                m = rng.beta(4, 3)
            elif s.iso3 in {"GBR", "USA", "DEU", "SGP"} and service:
                m = rng.beta(2, 3)
            else:
                m = rng.beta(1, 12)
            if role.sector == "N78":
                a = rng.beta(12, 1)  # an agency's own workforce is agency labour
            elif role.sector in {"H52", "N81"}:
                a = rng.beta(3, 4)
            else:
                a = rng.beta(1, 8)
            migrant, agency = f"{m:.2f}", f"{a:.2f}"
        recruiter_p = {1: 0.62, 2: 0.40, 3: 0.25}[s.tier]
        recruiter = ""
        if rng.random() < recruiter_p:
            yes_p = (
                0.85
                if role.sector == "N78"
                else (
                    0.6
                    if s.iso3 in {"MYS", "THA"} or role.sector in {"A01", "A03"}
                    else 0.2
                )
            )
            recruiter = "yes" if rng.random() < yes_p else "no"
        audit_p = {1: 0.58, 2: 0.24, 3: 0.08}[s.tier] * (0.5 if service else 1.0)
        audit = ""
        if rng.random() < audit_p:
            lam = 1.5 if _is_high_context(s) else 0.12
            audit = str(int(min(rng.poisson(lam), 11)))
            # Social audits look at factories, farms and labour-heavy services,
            # not at banks or consultancies; the draw is still made so the
            # random stream (and every other row) stays the same.
            if role.sector in OFFICE_SECTORS:
                audit = ""

        country = s.iso3
        if s.iso3 in COUNTRY_ALIASES and rng.random() < ALIAS_RATE:
            aliases = COUNTRY_ALIASES[s.iso3]
            country = aliases[int(rng.integers(len(aliases)))]
        sector = role.sector
        if role.sector_variants and rng.random() < SECTOR_VARIANT_RATE:
            variants = role.sector_variants
            sector = variants[int(rng.integers(len(variants)))]

        s.fields = {
            "country": country,
            "sector": sector,
            "good": good,
            "migrant_worker_share": migrant,
            "agency_worker_share": agency,
            "uses_recruiter": recruiter,
            "audit_forced_labour_indicators": audit,
        }


def _ensure_spellings(suppliers: list[Supplier]) -> None:
    """Guarantee each required country alias and sector variant occurs once.

    The random rates leave it to chance; the example is documentation, so the
    first eligible row is rewritten instead (deterministic, no extra draws).
    """
    for iso3, alias in REQUIRED_ALIASES.items():
        if any(s.fields["country"] == alias for s in suppliers):
            continue
        for s in suppliers:
            if s.iso3 == iso3 and s.fields["country"] == iso3:
                s.fields["country"] = alias
                break
    for role_key, role in ROLES.items():
        for variant in role.sector_variants:
            if any(s.fields["sector"] == variant for s in suppliers):
                continue
            for s in suppliers:
                if s.role == role_key and s.fields["sector"] == role.sector:
                    s.fields["sector"] = variant
                    break


def generate(seed: int = SEED) -> list[dict[str, str]]:
    """Generate the example supplier rows.

    Parameters
    ----------
    seed : int, default SEED
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    list of dict
        One dict per supplier keyed by :data:`COLUMNS`, all values strings,
        ordered by ``supplier_id``.
    """
    rng = np.random.default_rng(seed)
    suppliers = build_network(rng)
    assign_attributes(rng, suppliers)
    _ensure_spellings(suppliers)
    names = _make_names(rng, suppliers)
    # Real exports are not sorted by tier: shuffle, so a reader (and the
    # package's tier inference) meets tier-2 rows before their buyers.
    order = rng.permutation(len(suppliers))
    ids = {int(old): f"S-{new + 1:04d}" for new, old in enumerate(order)}
    rows = []
    for old in order:
        s = suppliers[int(old)]
        rows.append(
            {
                "supplier_id": ids[int(old)],
                "name": names[int(old)],
                "country": s.fields["country"],
                "sector": s.fields["sector"],
                "buyer_id": "" if s.buyer is None else ids[s.buyer],
                "tier": str(s.tier),
                "spend": f"{s.spend:.0f}",
                "workers": str(s.workers),
                "good": s.fields["good"],
                "migrant_worker_share": s.fields["migrant_worker_share"],
                "agency_worker_share": s.fields["agency_worker_share"],
                "uses_recruiter": s.fields["uses_recruiter"],
                "audit_forced_labour_indicators": s.fields[
                    "audit_forced_labour_indicators"
                ],
            }
        )
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    """Write ``rows`` as UTF-8 CSV with ``\\n`` line endings (stable bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    rows = generate(args.seed)
    write_csv(rows, args.output)
    print(f"wrote {len(rows)} suppliers to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
