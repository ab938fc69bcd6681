"""Currencies, pay periods and occupation codes: small pure helpers shared by importers and forms.

Annualising uses the factors US statistics use for full-time work (BLS OEWS: 2,080 hours a
year), so a posted hourly rate and an OEWS annual wage compare on the same footing:
hour × 2,080, day × 260 (5 days × 52 weeks), week × 52, month × 12, year × 1.
"""

from __future__ import annotations

import re
from decimal import Decimal

ANNUAL_FACTORS: dict[str, Decimal] = {
    "hour": Decimal(2080),
    "day": Decimal(260),
    "week": Decimal(52),
    "month": Decimal(12),
    "year": Decimal(1),
}

# schema.org unitText values (and common variants) → our period names.
PERIOD_ALIASES: dict[str, str] = {
    "hour": "hour", "hourly": "hour", "hr": "hour",
    "day": "day", "daily": "day",
    "week": "week", "weekly": "week", "wk": "week",
    "month": "month", "monthly": "month", "mo": "month",
    "year": "year", "yearly": "year", "annual": "year", "annually": "year", "yr": "year",
}  # fmt: skip

# ISO 4217 active codes (list one, 2024 edition), without funds and precious-metal codes.
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
    TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()  # noqa: SIM905 - a readable table of codes
)

_SOC = re.compile(r"^\s*(\d{2})-?(\d{4})(?:\.(\d{2}))?\s*$")


def normalise_period(value: str) -> str | None:
    return PERIOD_ALIASES.get(value.strip().lower()) if value else None


def annualise(amount: Decimal | None, period: str) -> Decimal | None:
    if amount is None:
        return None
    return (amount * ANNUAL_FACTORS[period]).quantize(Decimal("0.01"))


def normalise_occupation_code(value: str) -> str | None:
    """``15-1244``, ``151244`` or ``15-1244.01`` → O*NET-SOC ``15-1244.00`` / ``15-1244.01``."""
    match = _SOC.match(value or "")
    if not match:
        return None
    major, detail, suffix = match.groups()
    return f"{major}-{detail}.{suffix or '00'}"


def soc_of(code: str) -> str:
    """The SOC 2018 detailed code (``15-1244``) of an O*NET-SOC code."""
    return code[:7]
