"""US taxes for the projection engine (DESIGN §6.4): pure, vectorised over paths, numpy only.

The law is data (`engine/data/us_tax_law.json`, generated from Tax-Calculator; IRMAA tiers in
`us_irmaa.json`); each function takes one year's (paths,) arrays, a filing-status code per
path (0 single, 1 married filing jointly) and each path's cumulative inflation since the law
year, and returns its parts separately so the kernel can report them and solve a gross-up.
"""

from .federal import FederalTax, federal_tax
from .irmaa import irmaa_surcharge
from .law import JOINT, SINGLE, STATUS_CODES, IrmaaYear, TaxLaw, YearLaw, irmaa_year, load_law
from .payroll import PayrollTax, payroll_tax
from .state import state_tax

__all__ = [
    "JOINT",
    "SINGLE",
    "STATUS_CODES",
    "FederalTax",
    "IrmaaYear",
    "PayrollTax",
    "TaxLaw",
    "YearLaw",
    "federal_tax",
    "irmaa_surcharge",
    "irmaa_year",
    "load_law",
    "payroll_tax",
    "state_tax",
]
