import { describe, expect, it } from "vitest";
import { expiresAt, tokenStatus, type Token } from "./tokens";

const token = (extra: Partial<Token>): Token => ({
  id: 1,
  user_id: 1,
  name: "ci",
  prefix: "dk_abc",
  scopes: ["read"],
  created_at: "2026-01-01T00:00:00Z",
  ...extra,
});
const now = new Date("2026-03-01T00:00:00Z");

describe("tokens", () => {
  it("tells active, expired and revoked apart", () => {
    expect(tokenStatus(token({}), now)).toBe("active");
    expect(tokenStatus(token({ expires_at: "2026-04-01T00:00:00Z" }), now)).toBe("active");
    expect(tokenStatus(token({ expires_at: "2026-03-01T00:00:00Z" }), now)).toBe("expired");
    expect(tokenStatus(token({ expires_at: "2026-04-01T00:00:00Z", revoked_at: "2026-02-01T00:00:00Z" }), now)).toBe("revoked");
  });

  it("computes the expiry of a choice", () => {
    expect(expiresAt("30", now)).toBe("2026-03-31T00:00:00.000Z");
    expect(expiresAt("never", now)).toBeNull();
  });
});
