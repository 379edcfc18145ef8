// Who is signed in. The session cookie is HttpOnly; the UI learns the user (and the CSRF
// token that unsafe requests carry) from `GET /auth/me`.
import { createContext, useContext, type ReactNode } from "react";
import { queryOptions, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, setCsrfToken, unwrap, type Me, type Schemas } from "./api/client";

export type Role = Schemas["Role"];

interface AuthState {
  me: Me | null;
  loading: boolean;
  /** Sign in; throws `ApiError` on a wrong password or a throttled address. */
  login(email: string, password: string): Promise<void>;
  /** Sign out; throws `ApiError` when the server could not end the session (not on 401). */
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export const ME_KEY = ["auth", "me"] as const;

async function fetchMe(): Promise<Me | null> {
  const { data, response } = await api.GET("/auth/me");
  if (response.status === 401) {
    setCsrfToken(null);
    return null;
  }
  if (!response.ok || !data) throw new Error(`GET /auth/me: HTTP ${response.status}`);
  setCsrfToken(data.csrf_token);
  return data;
}

/** The session check; main.tsx starts it before the first render. */
export const meQuery = queryOptions({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false });

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const me = useQuery(meQuery);

  const value: AuthState = {
    me: me.data ?? null,
    loading: me.isPending,
    async login(email, password) {
      const out = await unwrap(api.POST("/auth/login", { body: { email, password } }));
      setCsrfToken((out as { csrf_token?: string | null }).csrf_token);
      // Everything cached belonged to nobody (or someone else): start clean. The "me" query
      // itself is refetched in place, not cleared: the provider's observer stays attached to
      // it, so the app re-renders signed in (after clear() + fetchQuery it did not).
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      await client.refetchQueries({ queryKey: ME_KEY });
    },
    async logout() {
      try {
        await unwrap(api.POST("/auth/logout"));
      } catch (e) {
        // 401: the session was already gone (expired, signed out elsewhere); signing out
        // here still makes sense. Anything else leaves the user signed in, and says so.
        if (!(e instanceof ApiError && e.status === 401)) throw e;
      }
      setCsrfToken(null);
      // "me" is set, not cleared: the provider's observer stays attached to that query,
      // so the app re-renders signed out at once (after clear() it kept the old user).
      client.setQueryData(ME_KEY, null);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** The signed-in user; only for components rendered behind the sign-in gate. */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error("useMe without a signed-in user");
  return me;
}

export function isAdmin(me: Me | null): boolean {
  return me?.user.role === "admin";
}
