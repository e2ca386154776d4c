"""Word lists of the synthetic demo region: Gorontalo and Indonesian names, streets and places.

Every name here is a common given name or Gorontalo family name (fam); combinations are drawn at random, so
no real person is described. Lists are tuples in a fixed order: the generator draws indices from them, and
changing a list changes the data a seed produces.
"""

from __future__ import annotations

# Gorontalo family names (fam), plus the Arabic-origin ones common in Gorontalo as family names.
FAMILY_NAMES: tuple[str, ...] = (
    "LASENA", "HULOPI", "TAMBIPI", "LIHAWA", "AKUBA", "BADERAN", "PALILATI", "MOOTALU", "HUSAIN", "DJAFAR",
    "PAKAYA", "MOHAMAD", "LATIF", "ISMAIL", "YUSUF", "ANTU", "KATILI", "BIYA", "DAMOPOLII", "NENTO",
    "POTABUGA", "MODJO", "LALU", "HASAN", "ABDULLAH", "USMAN", "DAUD", "IBRAHIM", "HARUN", "SALEH",
    "GOBEL", "NUSI", "PANIGORO", "TULIABU", "BUMULO", "DUNDA", "PULUHULAWA", "HIOLA", "BAKARI", "DAI",
    "ADAM", "MUSA", "LAHAY", "HUNOWU", "AHMAD", "AMU", "DATAU", "DUNGGIO", "ENTENGO", "HUNTA",
    "IDRUS", "KADIR", "KASIM", "LAMATENGGO", "LUAWO", "MAMU", "MOLIE", "MONOARFA", "NUR", "OLII",
    "PANTO", "POU", "SALILAMA", "TALIB", "TANGAHU", "TOLINGGI", "UNO", "WUMU", "YASIN", "ZAKARIA",
    "ARSYAD", "BOKINGO", "DANIAL", "DIKO", "GANI", "HALIDI", "HINTA", "HUNTUALO", "KAMARU", "KOEM",
    "LAMUSU", "LAYA", "LUNETO", "MALIKI", "MOBILINGO", "MOPANGGA", "NANI", "PATEDA", "POLAMOLO", "RAUF",
    "SUMA", "TALANI", "TOMAYAHU", "UMAR", "YUNUS", "DJAINI", "ABAS", "ALI", "BAU", "DJUMALI",
    "GULO", "HADJU", "IGIRISA", "KAUNANG", "LIPUTO", "MAHMUD", "NGABITO", "PAPUTUNGAN", "RAHIM", "SAHI",
    "TAHIR", "TUNA", "USULU", "WARTABONE", "YAKOB", "BOTUTIHE", "DAMA", "HIPPY", "JUSUF", "KAI",
)

MALE_CLASSIC: tuple[str, ...] = (
    "RAHMAT", "ISMAIL", "YUSUF", "ABDUL", "ARIFIN", "HASAN", "HUSAIN", "IRWAN", "RIZAL", "HARIS",
    "IRFAN", "FADLI", "ANDI", "SUKRI", "YUSRIN", "RUSDIN", "SAHRUL", "RAMLI", "JUNAIDI", "ASRUL",
    "ALIMIN", "ARIYANTO", "BUDI", "DEDI", "EKO", "GUNAWAN", "HENDRA", "IKSAN", "JEFRI", "KURNIAWAN",
    "LUKMAN", "MASRUN", "NASRUN", "RIFKI", "SAIFUL", "TAUFIK", "UDIN", "WAHYU", "YASIN", "ZULKIFLI",
    "ABUBAKAR", "AHMAD", "AMIR", "ANWAR", "ARSYAD", "BAHRUDIN", "DARWIS", "FAHRUDIN", "HAMZAH", "HARTONO",
    "IDRIS", "ILHAM", "JAMALUDIN", "KADIR", "MANSUR", "MUSTAFA", "NURDIN", "RAHMAN", "RAMADHAN", "RIDWAN",
    "SALIM", "SOFYAN", "SUPRIYADI", "SYAMSUDIN", "TAMRIN", "UMAR", "USMAN", "YAHYA", "YUNUS", "ZAINAL",
    "AGUS", "AKBAR", "ALFIAN", "ARDI", "ARFAN", "FAJAR", "FIRMAN", "HERMAN", "IKBAL", "IMRAN",
    "JUFRI", "MUKSIN", "RAHIM", "SAMSUL", "SUDIRMAN", "SYAHRIL", "WAWAN", "YUDI", "SUAIB", "HAMID",
)
MALE_MODERN: tuple[str, ...] = (
    "ALIF", "FARHAN", "RAFI", "DIMAS", "AZKA", "ARKAN", "RAFA", "FATHIR", "NABIL", "ZIDAN",
    "RIZKY", "ILHAM", "ADITYA", "FAJRI", "ARYA", "GIBRAN", "HAIKAL", "DAFFA", "FIKRI", "RAIHAN",
    "REVAN", "YUSRIL", "ABIDZAR", "ALFATIH", "ATTAR", "FAREL", "GILANG", "KEVIN", "MUHSIN", "RAFLI",
    "RISKI", "SAPUTRA", "AFDAL", "AKMAL", "FADIL", "HAFIZ", "IRSYAD", "RAYHAN", "SYAHRUL", "ZAKI",
)
FEMALE_CLASSIC: tuple[str, ...] = (
    "SITI", "NURHAYATI", "HALIMAH", "FATMAWATI", "SRI", "RAHMA", "MARYAM", "NURDIANA", "ROSMIN", "HADIJAH",
    "ASNI", "SALMA", "AMINA", "NURAINI", "HASNA", "RUKMINI", "YULIN", "NINGSI", "SARTIN", "HAPSA",
    "JUHRIA", "KARTINI", "MASNI", "NURMA", "RAHMATIA", "SAIDA", "SITTI", "SUHARTI", "ZAENAB", "ASMA",
    "FATIMAH", "HASNI", "IRMA", "MARLINA", "RUSNI", "SRIWAHYUNI", "WIWIN", "YUSNI", "ROSNA", "HARTINI",
    "MULYANI", "NURLELA", "DEWI", "ERNA", "ROSTIN", "SUMARNI", "NURJANAH", "RAMLA", "FAUZIA", "KHADIJAH",
    "NURMALA", "RISNA", "YANTI", "LINDA", "HERLINA", "NOVI", "HAIRUN", "SUNARTI", "WATI", "YUSNA",
)
FEMALE_MODERN: tuple[str, ...] = (
    "NABILA", "AISYAH", "NAYLA", "ZAHRA", "ALYA", "PUTRI", "SALSABILA", "AZZAHRA", "KEYSHA", "NADIA",
    "AULIA", "FITRI", "INDAH", "DINDA", "ANISA", "RAHMAWATI", "WULAN", "CITRA", "MELATI", "SYIFA",
    "NURUL", "FAHIRA", "HANIFA", "KAYLA", "ALMIRA", "TIARA", "INTAN", "SELVI", "DEVI", "REZKI",
)
# Javanese transmigrant names (Wonosari, Randangan, Taluditi...): usually one or two words, no fam.
JAVANESE_MALE: tuple[str, ...] = (
    "SUPARDI", "SUTRISNO", "WAGIMAN", "SUKIRNO", "PARIMAN", "SLAMET", "SUGENG", "PONIRAN", "SUMADI", "TUKIMAN",
    "JOKO", "BAMBANG", "SUYITNO", "KASMADI", "SARDJONO",
)
JAVANESE_FEMALE: tuple[str, ...] = (
    "SUMARNI", "SRI WAHYUNI", "PARTINI", "SUPARMI", "TUMINAH", "SUWARNI", "SITI AMINAH", "WAGINEM", "SUKESIH",
    "KASMINI", "WARSINI", "SUPIATI", "NGATINEM", "RUSMINI", "TITIK",
)
# MUHAMMAD as registers spell it; weights sum to 1.
MUHAMMAD_SPELLINGS: tuple[tuple[str, float], ...] = (
    ("MUHAMMAD", 0.40), ("MOH.", 0.22), ("MOHAMAD", 0.13), ("MUHAMAD", 0.10), ("MOCH.", 0.06),
    ("MOH", 0.05), ("MUH.", 0.04),
)

URBAN_STREETS: tuple[str, ...] = (
    "JL. RAJIMAN", "JL. JEND. SUDIRMAN", "JL. NANI WARTABONE", "JL. PANJAITAN", "JL. AGUS SALIM",
    "JL. KALENGKONGAN", "JL. SAM RATULANGI", "JL. HOS COKROAMINOTO", "JL. TRANS SULAWESI", "JL. PRAMUKA",
    "JL. RAJA EYATO", "JL. JAKSA AGUNG SUPRAPTO", "JL. ANDALAS", "JL. BERINGIN", "JL. MANGGA", "JL. TAMALATE",
    "JL. KASUARI", "JL. MERPATI", "JL. ARIF RAHMAN HAKIM", "JL. ZAINAL UMAR SIDIKI", "JL. PALMA",
    "JL. BIAWAO", "JL. DIPONEGORO", "JL. GAJAH MADA", "JL. SULTAN BOTUTIHE", "JL. AHMAD YANI",
    "JL. IMAM BONJOL", "JL. SULTAN HASANUDDIN", "JL. ERLANGGA", "JL. YOS SUDARSO", "JL. MT. HARYONO",
    "JL. KH. ADAM ZAKARIA", "JL. JAMALUDIN MALIK", "JL. PANGERAN HIDAYAT", "JL. BOLIYOHUTO", "JL. APEL",
    "JL. DURIAN", "JL. CENDANA", "JL. ANGGREK", "JL. MELATI",
)
RURAL_STREETS: tuple[str, ...] = ("JL. TRANS SULAWESI", "JL. POROS DESA", "JL. PESANTREN", "JL. DESA",
                                  "JL. PERKEBUNAN", "JL. PANTAI")
DUSUN: tuple[str, ...] = ("DUSUN I", "DUSUN II", "DUSUN III", "DUSUN IV", "DUSUN V")
LINGKUNGAN: tuple[str, ...] = ("LINGKUNGAN I", "LINGKUNGAN II", "LINGKUNGAN III", "LINGKUNGAN IV")

# Where people were born when not in their own kecamatan.
KABKOTA_TOWN: dict[str, str] = {
    "7501": "LIMBOTO", "7502": "TILAMUTA", "7503": "SUWAWA", "7504": "MARISA", "7505": "KWANDANG",
    "7571": "GORONTALO",
}
OTHER_BIRTHPLACES: tuple[str, ...] = (
    "MANADO", "MAKASSAR", "PALU", "KOTAMOBAGU", "BITUNG", "LUWUK", "TOLITOLI", "AMPANA", "POSO", "TERNATE",
    "AMBON", "KENDARI", "PAREPARE", "JAKARTA", "SURABAYA", "BANDUNG", "YOGYAKARTA", "BOLAANG MONGONDOW",
    "BUOL", "MOUTONG",
)
JAVANESE_BIRTHPLACES: tuple[str, ...] = ("BLITAR", "KEDIRI", "BANYUWANGI", "MADIUN", "PONOROGO", "KLATEN",
                                         "BOYOLALI", "LAMONGAN")

# Kecamatan of transmigrant settlements, where Javanese names are common.
TRANSMIGRANT_KECAMATAN: frozenset[str] = frozenset({"750202", "750403", "750407", "750114", "750113"})
# Real kecamatan codes of neighbouring provinces, issuers of the NIK of people who moved in.
OUTSIDE_ISSUERS: tuple[str, ...] = ("737101", "737102", "717101", "717102", "727101", "717401", "720101",
                                    "747101", "317101")
# Kecamatan codes of Kab. Gorontalo that no longer exist (Gorontalo Utara was split off in 2007): older
# NIKs still carry them.
FORMER_ISSUERS: tuple[str, ...] = ("750106", "750107", "750108")
