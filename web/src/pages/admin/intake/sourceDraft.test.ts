// The webhook source form's data: a source round-trips through the draft, empty entries
// are left out, constants of the type's fields are read as JSON, and the curl example
// signs the way each scheme wants.
import { describe, expect, it } from "vitest";
import { curlExample, draftOf, endpointUrl, inputOf, isPlacedPointer, type Source } from "./sourceDraft";

const source: Source = {
  slug: "alerts",
  name: "Alertmanager",
  ticket_type: "it_support",
  enabled: true,
  scheme: "docket",
  endpoint: "/api/v1/intake/webhooks/alerts",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  mapping: {
    title: { pointer: "/alert/title" },
    source_ref: { pointer: "/alert/fingerprint" },
    priority: { pointer: "/alert/severity", map: { critical: "P0" }, value: "P3" },
    tags: { value: ["monitoring"] },
    fields: { category: { value: "network" }, affected_users: { pointer: "/hosts", value: 1 } },
  },
};

describe("webhook source drafts", () => {
  it("round-trips a source", () => {
    const input = inputOf(draftOf(source));
    expect(input).toEqual({
      slug: "alerts",
      name: "Alertmanager",
      ticket_type: "it_support",
      enabled: true,
      scheme: "docket",
      mapping: source.mapping,
    });
  });

  it("leaves out empty entries and reads field constants as JSON", () => {
    const d = draftOf();
    d.slug = " forms ";
    d.name = "Forms";
    d.ticket_type = "complaint";
    d.core.title = { pointer: "/subject", value: "" };
    d.core.source_ref = { pointer: "/id", value: "" };
    d.core.body = { pointer: " ", value: "" };
    d.fields = { count: { pointer: "", value: "3" }, note: { pointer: "", value: "hello" } };
    const input = inputOf(d);
    expect(input.slug).toBe("forms");
    expect(input.mapping.body).toBeUndefined();
    expect(input.mapping.priority).toBeUndefined();
    expect(input.mapping.fields).toEqual({ count: { value: 3 }, note: { value: "hello" } });
  });

  it("signs the curl example for each scheme", () => {
    const url = endpointUrl("https://desk.example.com/", source);
    expect(url).toBe("https://desk.example.com/api/v1/intake/webhooks/alerts");
    const docket = curlExample(url, "docket", "whsec_x");
    expect(docket).toContain(`printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"`);
    expect(docket).toContain("X-Docket-Signature: v1=$SIG");
    const github = curlExample(url, "github", "whsec_x");
    expect(github).toContain("X-Hub-Signature-256: sha256=$SIG");
    expect(github).toContain("X-GitHub-Delivery");
  });

  it("places the mapping's pointers on the form", () => {
    expect(isPlacedPointer("/mapping/fields/severty")).toBe(true);
    expect(isPlacedPointer("/slug")).toBe(true);
    expect(isPlacedPointer("/other")).toBe(false);
  });
});
