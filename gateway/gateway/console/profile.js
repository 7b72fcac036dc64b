// The profile: the household (you and, optionally, a partner), the filing status and currency.

import { announce, h, setCurrency } from "./dom.js";
import { Form } from "./forms.js";

const SEX = [
  ["unspecified", "Not specified"],
  ["female", "Female"],
  ["male", "Male"],
];
const withPartner = { field: "has_partner", in: ["yes"] };

export const PROFILE_FIELDS = [
  { name: "display_name", label: "Your name (optional)", type: "text", nullable: true, sendNull: true, autocomplete: "name" },
  { name: "birth_date", label: "Birth date", type: "date", nullable: true, sendNull: true, hint: "Needed to run a projection: your age sets the timeline." },
  { name: "sex", label: "Sex", type: "select", options: SEX, hint: "Only picks the life table when lifespans are stochastic." },
  { name: "retirement_age", label: "Retirement age", type: "int", hint: "30–100. Your salary stops in this year." },
  { name: "life_expectancy", label: "Plan until age", type: "int", hint: "50–120, above the retirement age. The money must last until this birthday." },
  { name: "currency", label: "Currency", type: "upper", hint: "Three-letter code, e.g. USD, EUR, GBP. USD selects US taxes by default." },
  { section: "Household", name: "has_partner", label: "I plan with a partner", type: "checkbox", local: true, wide: true, fillFrom: (values) => Boolean(values.partner), hint: "Two lifespans, two Social Security records, survivor benefits." },
  { name: "filing_status", label: "Tax filing status", type: "select", options: [["single", "Single"], ["married_joint", "Married filing jointly"]], hint: "Married filing jointly needs a partner." },
  { name: "partner.name", label: "Partner's name (optional)", type: "text", nullable: true, when: withPartner },
  { name: "partner.birth_date", label: "Partner's birth date", type: "date", when: withPartner },
  { name: "partner.sex", label: "Partner's sex", type: "select", options: SEX, when: withPartner },
  { name: "partner.retirement_age", label: "Partner's retirement age", type: "int", when: withPartner, hint: "0–120; an age already past means retired." },
  { name: "partner.life_expectancy", label: "Partner plans until age", type: "int", when: withPartner, hint: "At least the partner's retirement age." },
];

export function buildProfile({ api, state }, card, loadProfile) {
  const form = new Form({
    id: "profile-form",
    fields: PROFILE_FIELDS,
    submitLabel: "Save profile",
    onSubmit: async () => {
      const headers = state.profileEtag ? { "If-Match": state.profileEtag } : {};
      const body = form.read();
      if (!form.input("has_partner").checked) body.partner = null;
      try {
        // PATCH: only what the form shows changes; a partner object merges member by member.
        const { data, etag } = await api.send("PATCH", "/me/profile", { body, headers });
        state.profile = data;
        state.profileEtag = etag;
        setCurrency(data.currency);
        announce("Profile saved.", "success");
      } catch (err) {
        if (err.status === 412) {
          await loadProfile();
          form.fill(state.profile);
        }
        throw err;
      }
    },
  });
  card.append(form.el);
  card.append(h("p", { class: "hint note", text: "Social Security claiming ages are set on each Social Security income in the Ledger (its “From age”)." }));
  return {
    async load() {
      await loadProfile();
      form.clearErrors();
      form.fill(state.profile);
    },
  };
}
