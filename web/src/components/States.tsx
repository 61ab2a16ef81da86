// Loading, empty and error states, the same on every page. An error shows Central's message (or a
// plain sentence) and a retry: never a stack trace.

import {
  Bullseye,
  Button,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  Spinner,
} from '@patternfly/react-core';
import { ExclamationCircleIcon, SearchIcon } from '@patternfly/react-icons';
import { errorMessage } from '../api/client.ts';

export function Loading({ what }: { readonly what: string }) {
  return (
    <Bullseye style={{ minHeight: 160 }}>
      <Spinner size="xl" aria-label={`Loading ${what}`} />
    </Bullseye>
  );
}

export function ErrorState({
  error,
  what,
  retry,
}: {
  readonly error: unknown;
  readonly what: string;
  readonly retry?: () => void;
}) {
  return (
    <EmptyState
      titleText={`Could not load ${what}`}
      headingLevel="h2"
      icon={ExclamationCircleIcon}
      status="danger"
      data-testid="error-state"
    >
      <EmptyStateBody>{errorMessage(error)}</EmptyStateBody>
      {retry ? (
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button variant="primary" onClick={retry}>
              Try again
            </Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      ) : null}
    </EmptyState>
  );
}

export function Empty({
  title,
  body,
  action,
}: {
  readonly title: string;
  readonly body?: string;
  readonly action?: React.ReactNode;
}) {
  return (
    <EmptyState titleText={title} headingLevel="h2" icon={SearchIcon} data-testid="empty-state">
      {body ? <EmptyStateBody>{body}</EmptyStateBody> : null}
      {action ? (
        <EmptyStateFooter>
          <EmptyStateActions>{action}</EmptyStateActions>
        </EmptyStateFooter>
      ) : null}
    </EmptyState>
  );
}
