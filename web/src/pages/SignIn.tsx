// Sign-in: paste an API token; it is checked with Central (whoami) and kept in this tab only.

import { useState, type FormEvent } from 'react';
import {
  ActionGroup,
  Alert,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  LoginPage,
  TextInput,
} from '@patternfly/react-core';
import { apiRequest, errorMessage } from '../api/client.ts';
import { signIn, signOut } from '../api/session.ts';
import type { Whoami } from '../api/types.ts';

export function SignIn({
  problem,
  error,
}: {
  readonly problem?: string | undefined;
  readonly error?: unknown;
}) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(
    problem ?? (error === undefined ? null : errorMessage(error)),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim();
    if (trimmed === '') {
      setFailure('Paste an API token.');
      return;
    }
    setBusy(true);
    try {
      await apiRequest<Whoami>('/api/v1/console/whoami', { token: trimmed });
      signIn(trimmed);
    } catch (caught) {
      signOut();
      setFailure(
        caught instanceof Error && 'status' in caught && caught.status === 403
          ? 'This token may not use the console: sign in with an Admin or Analyst token.'
          : errorMessage(caught),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <LoginPage
      loginTitle="Sign in to Palisade"
      loginSubtitle="Kubernetes security: what is risky in your clusters, and what stops it."
      textContent="Paste an API token. `npm start` prints the admin token on first start; an admin creates more under /api/v1/tokens."
    >
      <Form onSubmit={(event) => void submit(event)} aria-label="Sign in">
        {failure ? <Alert variant="danger" isInline title={failure} /> : null}
        <FormGroup label="API token" isRequired fieldId="token">
          <TextInput
            id="token"
            type="password"
            value={token}
            onChange={(_event, value) => setToken(value)}
            isRequired
            autoComplete="off"
          />
          <FormHelperText>
            <HelperText>
              <HelperTextItem>
                Kept in this browser tab only, until you sign out or close it.
              </HelperTextItem>
            </HelperText>
          </FormHelperText>
        </FormGroup>
        <ActionGroup>
          <Button type="submit" variant="primary" isBlock isLoading={busy} isDisabled={busy}>
            Sign in
          </Button>
        </ActionGroup>
      </Form>
    </LoginPage>
  );
}
