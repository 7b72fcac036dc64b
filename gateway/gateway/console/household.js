// The household as the engine sees it (DESIGN §6.1–6.2): whose record it is, when an income
// really flows, and income totals that never add a salary to the Social Security that follows it.

export const OWNERS = [
  ["self", "Me"],
  ["partner", "Partner"],
  ["joint", "Joint"],
];

// The person a record's ages refer to: its owner's, and the first person's for a joint record.
export function personOf(profile, owner) {
  const partner = owner === "partner" ? profile?.partner : null;
  const who = partner || profile || {};
  return {
    retirementAge: who.retirement_age ?? 65,
    lifeExpectancy: who.life_expectancy ?? 95,
    birthYear: who.birth_date ? Number(String(who.birth_date).slice(0, 4)) : null,
  };
}

export function ownerLabel(profile, owner) {
  if (owner === "partner") return profile?.partner?.name || "Partner";
  if (owner === "joint") return "Joint";
  return profile?.display_name || "Me";
}

// Social Security's full retirement age by birth year (SSA): 66 for 1943–54, then two months
// more a year, 67 from 1960. Answers whole years and months.
export function fullRetirementAge(birthYear) {
  if (!birthYear || birthYear >= 1960) return { years: 67, months: 0 };
  if (birthYear <= 1954) return { years: 66, months: 0 };
  return { years: 66, months: (birthYear - 1954) * 2 };
}

function fraText(birthYear) {
  const { years, months } = fullRetirementAge(birthYear);
  return months ? `${years} and ${months} months` : String(years);
}

// When a record applies, in words, following the engine's rules: a salary stops at its owner's
// retirement; Social Security starts at the claiming age (empty: full retirement age); `once`
// is paid in the year of `start_age`.
export function whenText(record, profile, kind = record.kind) {
  const person = personOf(profile, record.owner);
  if (record.frequency === "once") return `once, at ${record.start_age ?? "today's age"}`;
  if (kind === "social_security") {
    return record.start_age === null || record.start_age === undefined
      ? `from full retirement age (${fraText(person.birthYear)})`
      : `from ${record.start_age} (claiming age)`;
  }
  const from = record.start_age === null || record.start_age === undefined ? "now" : `${record.start_age}`;
  if (kind === "salary" && (record.end_age === null || record.end_age === undefined || record.end_age >= person.retirementAge)) {
    return `${from === "now" ? "" : `from ${from} `}until retirement (${person.retirementAge})`;
  }
  if (record.end_age === null || record.end_age === undefined) {
    return from === "now" ? `until the plan ends (${person.lifeExpectancy})` : `from ${from} to the plan's end`;
  }
  return `${from === "now" ? "now" : from} to ${record.end_age}`;
}

function yearly(record) {
  return Number(record.amount) * (record.frequency === "monthly" ? 12 : 1);
}

// Yearly income in today's money while the owner works and once retired. An income counts in a
// phase if it flows in any year of it; one-time incomes are left out (they are not yearly).
export function incomeTotals(incomes, profile) {
  const totals = { working: 0, retired: 0, once: 0 };
  for (const record of incomes) {
    if (record.frequency === "once") {
      totals.once += Number(record.amount);
      continue;
    }
    const person = personOf(profile, record.owner);
    const retire = person.retirementAge;
    let start = record.start_age ?? 0;
    if (record.kind === "social_security" && record.start_age == null) start = fullRetirementAge(person.birthYear).years;
    let end = record.end_age ?? 200;
    if (record.kind === "salary") end = Math.min(end, retire - 1);
    if (start <= retire - 1 && end >= start) totals.working += yearly(record);
    if (end >= retire && record.kind !== "salary") totals.retired += yearly(record);
  }
  return totals;
}

export const TOTALS_NOTE =
  "A salary stops at retirement and Social Security starts at its claiming age, so they are not added together; one-time amounts are left out.";
