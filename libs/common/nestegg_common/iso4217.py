"""The active ISO 4217 alphabetic currency codes a profile's currency may take.

Source: ISO 4217 List One (current currencies and funds), as carried by Debian's `iso-codes`
4.15.0 (`/usr/share/iso-codes/json/iso_4217.json`, https://salsa.debian.org/iso-codes-team/iso-codes),
plus the codes ISO added after that release: ZWG (Zimbabwe Gold, amendment 177, 2024) and XCG
(Caribbean guilder, 2025). Left out: XTS (reserved for testing) and XXX (no currency). Codes
withdrawn since (HRK, SLL, ZWL, ANG…) stay accepted so that a profile saved with one still
validates. To refresh: compare with the maintenance agency's current list (SIX Group) and edit.
"""

from __future__ import annotations

_LIST_ONE = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
    MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
    PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF
    XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL
"""
CURRENCY_CODES: frozenset[str] = frozenset(_LIST_ONE.split())
