import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../model/index.ts';
import {
  credentialsFromPullSecret,
  findCredentials,
  mergeAuthConfigs,
  parseDockerConfig,
} from './registry-credentials.ts';

const auth = (text: string): string => Buffer.from(text).toString('base64');

describe('registry credentials', () => {
  it('reads config.json auths in every form and folds Docker Hub names together', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: auth('hub:secret:with:colons') },
          'registry.example:5000': { username: 'u', password: 'p' },
          'https://ghcr.io': { identitytoken: 'refresh' },
        },
      }),
    );
    assert.deepEqual(findCredentials(config, 'docker.io'), {
      kind: 'found',
      credentials: { kind: 'basic', username: 'hub', password: 'secret:with:colons' },
    });
    assert.deepEqual(findCredentials(config, 'registry.example:5000'), {
      kind: 'found',
      credentials: { kind: 'basic', username: 'u', password: 'p' },
    });
    assert.deepEqual(findCredentials(config, 'ghcr.io'), {
      kind: 'found',
      credentials: { kind: 'identity-token', token: 'refresh' },
    });
    assert.deepEqual(findCredentials(config, 'quay.io'), { kind: 'none' });
  });

  it('reports credential helpers instead of running them', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: { 'a.example': {} },
        credsStore: 'desktop',
        credHelpers: { 'gcr.io': 'gcloud' },
      }),
    );
    assert.deepEqual(findCredentials(config, 'gcr.io'), { kind: 'helper', helper: 'gcloud' });
    assert.deepEqual(findCredentials(config, 'a.example'), { kind: 'helper', helper: 'desktop' });
  });

  it('reads .dockerconfigjson and legacy .dockercfg pull secrets; earlier configs win when merged', () => {
    const modern = credentialsFromPullSecret(
      JSON.stringify({ auths: { 'r.example': { auth: auth('a:1') } } }),
    );
    const legacy = credentialsFromPullSecret(
      Buffer.from(
        JSON.stringify({ 'r.example': { auth: auth('b:2') }, 'q.example': { auth: auth('c:3') } }),
      ),
    );
    const merged = mergeAuthConfigs(modern, legacy);
    assert.deepEqual(findCredentials(merged, 'r.example'), {
      kind: 'found',
      credentials: { kind: 'basic', username: 'a', password: '1' },
    });
    assert.deepEqual(findCredentials(merged, 'q.example'), {
      kind: 'found',
      credentials: { kind: 'basic', username: 'c', password: '3' },
    });
  });

  it('rejects malformed input with credentials-invalid', () => {
    assert.throws(
      () => parseDockerConfig('{'),
      (error: unknown) => error instanceof PalisadeError && error.code === 'credentials-invalid',
    );
    assert.throws(
      () => credentialsFromPullSecret(JSON.stringify({ auths: { x: { auth: auth('no-colon') } } })),
      (error: unknown) => error instanceof PalisadeError && error.code === 'credentials-invalid',
    );
  });
});
