// The account: a copy of every record (export), a new password, and erasing the account.

import { announce, h } from "./dom.js";
import { describeError, Form } from "./forms.js";

const EXPORT_NAME = "nestegg-export.json";

// Hand a JSON document to the browser as a file download (no new page, nothing inline).
function download(name, data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class AccountView {
  constructor({ api, state, confirm, leave }, root) {
    this.api = api;
    this.state = state;
    this.email = h("strong", { id: "account-email" });
    const exportButton = h("button", { type: "button", id: "export-button", text: "Download my data", onclick: () => this.exportData(exportButton) });
    this.password = new Form({
      id: "password-form",
      columns: false,
      fields: [
        { name: "current_password", label: "Current password", type: "password", autocomplete: "current-password" },
        { name: "new_password", label: "New password", type: "password", autocomplete: "new-password", hint: "12 to 256 characters, hard to guess. Other devices are signed out." },
      ],
      submitLabel: "Change password",
      onSubmit: async (form) => {
        const { data } = await api.send("POST", "/me/password", { body: form.read() });
        api.keep(data); // this tab stays signed in with the new pair; every other session ends
        form.reset();
        announce("Password changed. Other devices have been signed out.", "success");
      },
    });
    const deleteButton = h("button", {
      type: "button",
      id: "delete-account",
      class: "danger",
      text: "Delete my account…",
      onclick: async () => {
        const sure = await confirm(
          "Delete your account and every record in it (profile, ledger, projections and runs)? This cannot be undone.",
          "Delete my account",
        );
        if (!sure) return;
        try {
          await api.send("DELETE", "/me");
          api.forget();
          leave("Your account and all its data were deleted.");
        } catch (err) {
          announce(describeError(err), "error");
        }
      },
    });
    root.append(
      h("section", { class: "card", "aria-labelledby": "account-export-title" },
        h("h2", { id: "account-export-title", text: "Your data" }),
        h("p", {}, "Signed in as ", this.email, "."),
        h("p", { class: "muted", text: `Every record you own (profile, ledger, projections, scenarios and stored runs) as one JSON file, ${EXPORT_NAME}.` }),
        h("div", { class: "actions" }, exportButton)),
      h("section", { class: "card", "aria-labelledby": "account-password-title" },
        h("h2", { id: "account-password-title", text: "Change password" }),
        this.password.el),
      h("section", { class: "card danger-zone", "aria-labelledby": "account-delete-title" },
        h("h2", { id: "account-delete-title", text: "Delete account" }),
        h("p", { class: "muted", text: "Erases you and every record of yours in every service at once. Download your data first if you want a copy." }),
        h("div", { class: "actions" }, deleteButton)),
    );
  }

  async exportData(button) {
    button.disabled = true;
    try {
      const data = await this.api.get("/me/export");
      download(EXPORT_NAME, data);
      announce(`Your data was downloaded as ${EXPORT_NAME}.`, "success");
    } catch (err) {
      announce(describeError(err), "error");
    } finally {
      button.disabled = false;
    }
  }

  async load() {
    this.email.textContent = this.state.me?.email ?? "";
    this.password.reset();
  }
}
