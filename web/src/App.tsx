// The console's shell: sign-in gate, masthead (theme, identity, sign out), navigation, and the
// pages, each loaded on first visit so the first paint carries only the shell.

import {
  lazy,
  Suspense,
  useEffect,
  useState,
  useSyncExternalStore,
  createContext,
  useContext,
} from 'react';
import { NavLink, Route, Routes, Navigate, useLocation } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import {
  Button,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavItem,
  NavList,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  SkipToContent,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
  Switch,
} from '@patternfly/react-core';
import { BarsIcon } from '@patternfly/react-icons';
import { onSessionChange, readToken, signOut } from './api/session.ts';
import { useWhoami } from './api/queries.ts';
import type { Role } from './api/types.ts';
import { SignIn } from './pages/SignIn.tsx';
import { ErrorState, Loading } from './components/States.tsx';
import { readTheme, saveTheme, type Theme } from './theme.ts';

const Dashboard = lazy(() => import('./pages/Dashboard.tsx'));
const Violations = lazy(() => import('./pages/Violations.tsx'));
const Risk = lazy(() => import('./pages/Risk.tsx'));
const Policies = lazy(() => import('./pages/Policies.tsx'));
const PolicyEditor = lazy(() => import('./pages/PolicyEditor.tsx'));
const Clusters = lazy(() => import('./pages/Clusters.tsx'));
const NotFound = lazy(() => import('./pages/NotFound.tsx'));

interface Identity {
  readonly name: string;
  readonly role: Role;
  /** Admins write; Analysts read (src/central/auth.ts rolePermissions). */
  readonly canWrite: boolean;
}

const IdentityContext = createContext<Identity>({ name: '', role: 'Analyst', canWrite: false });
export const useIdentity = () => useContext(IdentityContext);

function useToken(): string | null {
  return useSyncExternalStore(onSessionChange, readToken, () => null);
}

const navItems = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/violations', label: 'Violations', end: false, search: '?q=State%3AACTIVE' },
  { to: '/risk', label: 'Risk', end: false },
  { to: '/policies', label: 'Policies', end: false },
  { to: '/clusters', label: 'Clusters', end: false },
] as const;

export function App() {
  const token = useToken();
  const queryClient = useQueryClient();
  const whoami = useWhoami(token);
  const [theme, setTheme] = useState<Theme>(readTheme);
  const location = useLocation();

  useEffect(() => {
    // A new token (or none) must never see the previous session's cached data.
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'whoami' });
  }, [token, queryClient]);

  useEffect(() => {
    const page = navItems.find((n) =>
      n.end ? location.pathname === n.to : location.pathname.startsWith(n.to),
    );
    document.title = page ? `${page.label} · Palisade` : 'Palisade';
  }, [location.pathname]);

  if (token === null) return <SignIn />;
  if (whoami.isPending) return <Loading what="your session" />;
  if (whoami.isError) {
    return (
      <SignIn
        problem={
          whoami.error instanceof Error && 'status' in whoami.error && whoami.error.status === 403
            ? 'This token may not use the console: sign in with an Admin or Analyst token.'
            : undefined
        }
        error={whoami.error}
      />
    );
  }
  const identity: Identity = { ...whoami.data, canWrite: whoami.data.role === 'Admin' };

  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton isHamburgerButton aria-label="Toggle navigation">
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component={(props) => <NavLink {...props} to="/" />}>
            <span className="palisade-brand">
              <img src="/favicon.svg" alt="" width={28} height={28} />
              Palisade
            </span>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight isStatic>
          <ToolbarContent>
            <ToolbarGroup align={{ default: 'alignEnd' }} gap={{ default: 'gapMd' }}>
              <ToolbarItem>
                <Switch
                  id="theme-switch"
                  label="Dark theme"
                  isChecked={theme === 'dark'}
                  onChange={(_event, dark) => {
                    const next = dark ? 'dark' : 'light';
                    saveTheme(next);
                    setTheme(next);
                  }}
                />
              </ToolbarItem>
              <ToolbarItem>
                <span data-testid="identity">
                  {identity.name} ({identity.role})
                </span>
              </ToolbarItem>
              <ToolbarItem>
                <Button variant="secondary" onClick={signOut}>
                  Sign out
                </Button>
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );

  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label="Main navigation">
          <NavList>
            {navItems.map((item) => {
              const active = item.end
                ? location.pathname === item.to
                : location.pathname.startsWith(item.to);
              return (
                <NavItem key={item.to} isActive={active}>
                  <NavLink
                    to={{ pathname: item.to, search: 'search' in item ? item.search : '' }}
                    end={item.end}
                    aria-current={active ? 'page' : undefined}
                  >
                    {item.label}
                  </NavLink>
                </NavItem>
              );
            })}
          </NavList>
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );

  return (
    <IdentityContext.Provider value={identity}>
      <Page
        masthead={masthead}
        sidebar={sidebar}
        isManagedSidebar
        mainContainerId="main"
        skipToContent={<SkipToContent href="#main">Skip to content</SkipToContent>}
      >
        <Suspense fallback={<Loading what="the page" />}>
          <Routes>
            <Route path="/" element={<Dashboard />} />
            <Route path="/violations" element={<Violations />} />
            <Route path="/violations/:id" element={<Violations />} />
            <Route path="/risk" element={<Risk />} />
            <Route path="/risk/:id" element={<Risk />} />
            <Route path="/policies" element={<Policies />} />
            <Route path="/policies/new" element={<PolicyEditor />} />
            <Route path="/policies/:id/edit" element={<PolicyEditor />} />
            <Route path="/policies/:id" element={<Policies />} />
            <Route path="/clusters" element={<Clusters />} />
            <Route path="/signin" element={<Navigate to="/" replace />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Page>
    </IdentityContext.Provider>
  );
}

export function PageError({ error }: { readonly error: unknown }) {
  return <ErrorState error={error} what="this page" />;
}
