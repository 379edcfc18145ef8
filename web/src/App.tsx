// Routes and the shell around them. Each screen lives in its own module under pages/ and
// is loaded when first visited, so the queue does not wait for the admin screens' code.
import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation, useParams } from "react-router";
import { Center, Loader } from "@mantine/core";
import { isAdmin, useAuth } from "./auth";
import { Shell } from "./components/Shell";
import { Forbidden, NotFound } from "./components/Errors";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { safeNextPath } from "./lib/nextPath";
import { LoginPage } from "./pages/Login";
import { useLiveUpdates } from "./live";
// The queue is where every session lands: it ships with the app instead of after it.
import QueuePage from "./pages/queue/QueuePage";

const TicketPage = lazy(() => import("./pages/ticket/TicketPage"));
const NewTicketPage = lazy(() => import("./pages/newticket/NewTicketPage"));
const RequesterPage = lazy(() => import("./pages/requesters/RequesterPage"));
const RequestersPage = lazy(() => import("./pages/requesters/RequestersPage"));
const AdminOrganizationsPage = lazy(() => import("./pages/admin/organizations/OrganizationsPage"));
const AccountPage = lazy(() => import("./pages/account/AccountPage"));
const AdminTypesPage = lazy(() => import("./pages/admin/types/TypesPage"));
const AdminTypePage = lazy(() => import("./pages/admin/types/TypePage"));
const AdminWorkflowsPage = lazy(() => import("./pages/admin/types/WorkflowsPage"));
const AdminPoliciesPage = lazy(() => import("./pages/admin/sla/PoliciesPage"));
const AdminCalendarsPage = lazy(() => import("./pages/admin/sla/CalendarsPage"));
const AdminReportPage = lazy(() => import("./pages/admin/sla/ReportPage"));
const AdminUsersPage = lazy(() => import("./pages/admin/people/UsersPage"));
const AdminTeamsPage = lazy(() => import("./pages/admin/people/TeamsPage"));
const AdminTokensPage = lazy(() => import("./pages/admin/people/TokensPage"));
const AdminAiPage = lazy(() => import("./pages/admin/ai/AiPage"));
const AdminDiscordPage = lazy(() => import("./pages/admin/discord/DiscordPage"));
const AdminIntakePage = lazy(() => import("./pages/admin/intake/IntakePage"));
const AdminWebhooksPage = lazy(() => import("./pages/admin/webhooks/WebhooksPage"));
const AdminMailboxesPage = lazy(() => import("./pages/admin/mailboxes/MailboxesPage"));
const AdminDeliveriesPage = lazy(() => import("./pages/admin/deliveries/DeliveriesPage"));
const AdminEmailPage = lazy(() => import("./pages/admin/email/EmailPage"));
const FormsIndexPage = lazy(() => import("./pages/public/FormsIndexPage"));
const PublicFormPage = lazy(() => import("./pages/public/PublicFormPage"));
const FollowPage = lazy(() => import("./pages/public/FollowPage"));

function Loading() {
  return (
    <Center h="50vh">
      <Loader />
    </Center>
  );
}

/** Admin screens: hidden from the navigation for others, and refused if typed in. */
function AdminOnly({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  return isAdmin(me) ? children : <Forbidden />;
}

/** Where the login page was sent from (`?next=`), only ever a path on this site. */
function AfterLogin() {
  const next = new URLSearchParams(useLocation().search).get("next");
  return <Navigate to={safeNextPath(next, window.location.origin) ?? "/queue"} replace />;
}

/** One ticket screen per ticket: going from one to another starts afresh, so a draft,
 * field edits or a reply typed on one never shows (or gets saved) on the other. */
export function TicketRoute() {
  const { key = "" } = useParams();
  return <TicketPage key={key} />;
}

function SignedIn() {
  useLiveUpdates();
  const { pathname } = useLocation();
  return (
    <Shell>
      <ErrorBoundary resetKey={pathname}>
        <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Navigate to="/queue" replace />} />
          <Route path="/login" element={<AfterLogin />} />
          <Route path="/queue" element={<QueuePage />} />
          <Route path="/tickets/:key" element={<TicketRoute />} />
          <Route path="/requesters" element={<RequestersPage />} />
          <Route path="/requesters/:id" element={<RequesterPage />} />
          <Route path="/new" element={<NewTicketPage />} />
          <Route path="/new/:type" element={<NewTicketPage />} />
          <Route path="/account" element={<AccountPage />} />
          <Route path="/admin" element={<Navigate to="/admin/types" replace />} />
          <Route path="/admin/types" element={<AdminOnly><AdminTypesPage /></AdminOnly>} />
          <Route path="/admin/types/new" element={<AdminOnly><AdminTypePage /></AdminOnly>} />
          <Route path="/admin/types/:slug" element={<AdminOnly><AdminTypePage /></AdminOnly>} />
          <Route path="/admin/workflows" element={<AdminOnly><AdminWorkflowsPage /></AdminOnly>} />
          <Route path="/admin/sla/policies" element={<AdminOnly><AdminPoliciesPage /></AdminOnly>} />
          <Route path="/admin/sla/calendars" element={<AdminOnly><AdminCalendarsPage /></AdminOnly>} />
          <Route path="/admin/sla/report" element={<AdminOnly><AdminReportPage /></AdminOnly>} />
          <Route path="/admin/users" element={<AdminOnly><AdminUsersPage /></AdminOnly>} />
          <Route path="/admin/teams" element={<AdminOnly><AdminTeamsPage /></AdminOnly>} />
          <Route path="/admin/organizations" element={<AdminOnly><AdminOrganizationsPage /></AdminOnly>} />
          <Route path="/admin/ai" element={<AdminOnly><AdminAiPage /></AdminOnly>} />
          <Route path="/admin/discord" element={<AdminOnly><AdminDiscordPage /></AdminOnly>} />
          <Route path="/admin/intake" element={<AdminOnly><AdminIntakePage /></AdminOnly>} />
          <Route path="/admin/outgoing-webhooks" element={<AdminOnly><AdminWebhooksPage /></AdminOnly>} />
          <Route path="/admin/mailboxes" element={<AdminOnly><AdminMailboxesPage /></AdminOnly>} />
          <Route path="/admin/deliveries" element={<AdminOnly><AdminDeliveriesPage /></AdminOnly>} />
          <Route path="/admin/email" element={<AdminOnly><AdminEmailPage /></AdminOnly>} />
          <Route path="/admin/tokens" element={<AdminOnly><AdminTokensPage /></AdminOnly>} />
          <Route path="*" element={<NotFound />} />
        </Routes>
        </Suspense>
      </ErrorBoundary>
    </Shell>
  );
}

/** The pages anyone may open, signed in or not: public forms and follow links. */
export function isPublicPath(pathname: string): boolean {
  return pathname === "/forms" || pathname.startsWith("/forms/") || pathname.startsWith("/follow/");
}

function PublicPages() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/forms" element={<FormsIndexPage />} />
        <Route path="/forms/:slug" element={<PublicFormPage />} />
        <Route path="/follow/:token" element={<FollowPage />} />
      </Routes>
    </Suspense>
  );
}

export function App() {
  const { me, loading } = useAuth();
  const location = useLocation();
  if (isPublicPath(location.pathname)) return <PublicPages />;
  if (loading) return <Loading />;
  if (!me) {
    // Remember where the user was going; the login page sends them there after.
    return location.pathname === "/login" ? (
      <LoginPage />
    ) : (
      <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />
    );
  }
  return <SignedIn />;
}
