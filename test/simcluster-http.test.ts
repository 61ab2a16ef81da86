// The simulated API server over raw HTTP: Status errors for hostile or wrong input, bearer-token
// auth, pagination, and watch streams (replay, 410 Expired, bookmarks, selection changes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import {
  startSimCluster,
  type JsonObject,
  type SimCluster,
  type SimClusterOptions,
} from '../src/simcluster/index.ts';

/** A JSON value as text, for messages and comparisons. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

async function withCluster(
  options: SimClusterOptions,
  body: (cluster: SimCluster) => Promise<void>,
): Promise<void> {
  const cluster = await startSimCluster(options);
  try {
    await body(cluster);
  } finally {
    await cluster.close();
  }
}

interface Answer {
  readonly status: number;
  readonly json: JsonObject;
  readonly text: string;
}

async function call(
  cluster: SimCluster,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(cluster.url + path, {
    method,
    headers: {
      authorization: `Bearer ${cluster.token}`,
      'content-type': 'application/json',
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });
  const answer = await response.text();
  let json: JsonObject;
  try {
    json = JSON.parse(answer) as JsonObject;
  } catch {
    json = {};
  }
  return { status: response.status, json, text: answer };
}

function assertStatus(answer: Answer, code: number, reason: string, message?: RegExp): void {
  assert.equal(answer.status, code, answer.text);
  assert.equal(answer.json['kind'], 'Status');
  assert.equal(answer.json['status'], 'Failure');
  assert.equal(answer.json['reason'], reason);
  assert.equal(answer.json['code'], code);
  if (message !== undefined) assert.match(text(answer.json['message']), message);
  assert.doesNotMatch(answer.text, /\bat .*\.ts:\d+/, 'no stack traces');
}

const configMap = (name: string, labels: Record<string, string> = {}): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels },
    data: { k: 'v' },
  });

/** Opens a watch and collects its events until stopped. */
function openWatch(
  cluster: SimCluster,
  path: string,
): {
  events: JsonObject[];
  until(count: number): Promise<JsonObject[]>;
  ended: Promise<void>;
  stop(): void;
} {
  const events: JsonObject[] = [];
  let buffer = '';
  let stop = (): void => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(
      cluster.url + path,
      { headers: { authorization: `Bearer ${cluster.token}` } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            events.push(JSON.parse(buffer.slice(0, newline)) as JsonObject);
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf('\n');
          }
        });
        res.on('end', resolve);
        res.on('close', resolve);
      },
    );
    req.on('error', (error) => (req.destroyed ? resolve() : reject(error)));
    req.end();
    stop = () => req.destroy();
  });
  return {
    events,
    ended,
    stop: () => stop(),
    async until(count) {
      for (let i = 0; i < 200 && events.length < count; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.ok(
        events.length >= count,
        `expected ${count} events, got ${JSON.stringify(events.map((e) => e['type']))}`,
      );
      return events;
    },
  };
}

function nameOf(event: JsonObject): string {
  return text(((event['object'] as JsonObject)['metadata'] as JsonObject)['name']);
}

describe('simulated API server: hostile and wrong input', () => {
  it('answers malformed JSON and YAML bodies with 400 BadRequest', async () => {
    await withCluster({}, async (cluster) => {
      assertStatus(
        await call(
          cluster,
          'POST',
          '/api/v1/namespaces/default/configmaps',
          '{"kind": "ConfigMap",',
        ),
        400,
        'BadRequest',
        /not valid JSON/,
      );
      assertStatus(
        await call(
          cluster,
          'POST',
          '/api/v1/namespaces/default/configmaps',
          'metadata: {name: [unclosed',
          { 'content-type': 'application/yaml' },
        ),
        400,
        'BadRequest',
        /not valid YAML/,
      );
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', '[1, 2]'),
        400,
        'BadRequest',
      );
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', '"a string"'),
        400,
        'BadRequest',
      );
      const deep = '{"a":'.repeat(500) + '1' + '}'.repeat(500);
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', deep),
        400,
        'BadRequest',
        /nests deeper/,
      );
      const bomb =
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' +
        Array.from(
          { length: 8 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
        ).join('\n');
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', bomb, {
          'content-type': 'application/yaml',
        }),
        400,
        'BadRequest',
      );
      // The server still works afterwards.
      const created = await call(
        cluster,
        'POST',
        '/api/v1/namespaces/default/configmaps',
        'metadata: {name: fine}\n',
        { 'content-type': 'application/yaml' },
      );
      assert.equal(created.status, 201, created.text);
    });
  });

  it('refuses bodies over the size cap with 413, whether declared or streamed', async () => {
    await withCluster({ maxBodyBytes: 64 * 1024 }, async (cluster) => {
      const huge = JSON.stringify({
        metadata: { name: 'big' },
        data: { blob: 'x'.repeat(200 * 1024) },
      });
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', huge),
        413,
        'RequestEntityTooLarge',
        /limit is 65536/,
      );
      const streamed = await new Promise<number>((resolve, reject) => {
        const req = request(
          cluster.url + '/api/v1/namespaces/default/configmaps',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', (error) => reject(error));
        for (let i = 0; i < 100; i++) req.write('x'.repeat(1024));
        req.end();
      });
      assert.equal(streamed, 413);
      assert.equal(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'big' }), undefined);
    });
  });

  it('answers unknown paths, resources and methods with NotFound and MethodNotAllowed', async () => {
    await withCluster({}, async (cluster) => {
      assertStatus(
        await call(cluster, 'GET', '/api/v1/namespaces/default/widgets'),
        404,
        'NotFound',
        /could not find the requested resource/,
      );
      assertStatus(await call(cluster, 'GET', '/apis/example.com/v1/things'), 404, 'NotFound');
      assertStatus(
        await call(cluster, 'GET', '/apis/route.openshift.io/v1/routes'),
        404,
        'NotFound',
      );
      assertStatus(
        await call(cluster, 'GET', '/api/v1/namespaces/default/configmaps/none'),
        404,
        'NotFound',
        /configmaps "none" not found/,
      );
      assertStatus(
        await call(cluster, 'GET', '/apis/apps/v1/namespaces/default/daemonsets/x/scale'),
        404,
        'NotFound',
      );
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps/x'),
        405,
        'MethodNotAllowed',
      );
      assertStatus(
        await call(cluster, 'GET', '/api/v1/namespaces/%zz/configmaps'),
        400,
        'BadRequest',
      );
      assertStatus(
        await call(cluster, 'PATCH', '/api/v1/namespaces/default/services/kubernetes', '{}', {
          'content-type': 'text/plain',
        }),
        415,
        'UnsupportedMediaType',
      );
      assertStatus(
        await call(cluster, 'GET', '/api/v1/pods?labelSelector=a%20in%20b'),
        400,
        'BadRequest',
      );
      assertStatus(
        await call(cluster, 'GET', '/api/v1/configmaps?fieldSelector=spec.nodeName%3Dx'),
        400,
        'BadRequest',
        /field label not supported/,
      );
    });
  });

  it('reports conflicts, invalid objects and missing namespaces as kubectl expects', async () => {
    await withCluster({}, async (cluster) => {
      const created = await call(
        cluster,
        'POST',
        '/api/v1/namespaces/default/configmaps',
        configMap('cm'),
      );
      assert.equal(created.status, 201);
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', configMap('cm')),
        409,
        'AlreadyExists',
        /configmaps "cm" already exists/,
      );
      const stale = { ...created.json, data: { k: 'new' } };
      assert.equal(
        (
          await call(
            cluster,
            'PUT',
            '/api/v1/namespaces/default/configmaps/cm',
            JSON.stringify(stale),
          )
        ).status,
        200,
      );
      assertStatus(
        await call(
          cluster,
          'PUT',
          '/api/v1/namespaces/default/configmaps/cm',
          JSON.stringify(stale),
        ),
        409,
        'Conflict',
        /the object has been modified/,
      );
      const invalid = await call(
        cluster,
        'POST',
        '/apis/apps/v1/namespaces/default/deployments',
        JSON.stringify({ metadata: { name: 'Bad_Name' }, spec: {} }),
      );
      assertStatus(invalid, 422, 'Invalid', /Deployment\.apps "Bad_Name" is invalid/);
      const causes = (invalid.json['details'] as JsonObject)['causes'] as JsonObject[];
      assert.deepEqual(
        causes.map((c) => c['field']),
        ['metadata.name', 'spec.selector', 'spec.template'],
      );
      assertStatus(
        await call(cluster, 'POST', '/api/v1/namespaces/ghost/configmaps', configMap('x')),
        404,
        'NotFound',
        /namespaces "ghost" not found/,
      );
    });
  });

  it('writes status only through the status subresource, and nothing at all for dryRun', async () => {
    await withCluster({ controllers: false }, async (cluster) => {
      const manifest = JSON.stringify({
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
          },
        },
        status: { replicas: 7 },
      });
      const dry = await call(
        cluster,
        'POST',
        '/apis/apps/v1/namespaces/default/deployments?dryRun=All',
        manifest,
      );
      assert.equal(dry.status, 201);
      assert.equal(
        cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }),
        undefined,
      );
      const created = await call(
        cluster,
        'POST',
        '/apis/apps/v1/namespaces/default/deployments',
        manifest,
      );
      assert.deepEqual(created.json['status'], {}, 'status is reset on create');
      const merge = { 'content-type': 'application/merge-patch+json' };
      const main = await call(
        cluster,
        'PATCH',
        '/apis/apps/v1/namespaces/default/deployments/web',
        '{"status":{"replicas":3}}',
        merge,
      );
      assert.deepEqual(main.json['status'], {}, 'the main resource ignores status');
      const status = await call(
        cluster,
        'PATCH',
        '/apis/apps/v1/namespaces/default/deployments/web/status',
        '{"status":{"replicas":3},"spec":{"replicas":9}}',
        merge,
      );
      assert.deepEqual(status.json['status'], { replicas: 3 });
      assert.equal(
        (status.json['spec'] as JsonObject)['replicas'],
        1,
        'the status subresource ignores spec',
      );
      const deleted = await call(
        cluster,
        'DELETE',
        '/apis/apps/v1/namespaces/default/deployments/web?dryRun=All',
      );
      assert.equal(deleted.json['status'], 'Success');
      assert.notEqual(
        cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }),
        undefined,
      );
    });
  });

  it('deletes a selected collection', async () => {
    await withCluster({}, async (cluster) => {
      for (const [name, team] of [
        ['a', 'x'],
        ['b', 'x'],
        ['c', 'y'],
      ] as const)
        await call(
          cluster,
          'POST',
          '/api/v1/namespaces/default/configmaps',
          configMap(name, { team }),
        );
      const deleted = await call(
        cluster,
        'DELETE',
        '/api/v1/namespaces/default/configmaps?labelSelector=team%3Dx',
      );
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(
        (deleted.json['items'] as JsonObject[]).map((i) => (i['metadata'] as JsonObject)['name']),
        ['a', 'b'],
      );
      assert.deepEqual(
        cluster
          .list('v1', 'ConfigMap', 'default')
          .map((c) => (c['metadata'] as JsonObject)['name']),
        ['c'],
      );
    });
  });

  it('requires the configured bearer token on the API but not on /version and /healthz', async () => {
    await withCluster({ token: 'expected' }, async (cluster) => {
      const anonymous = await fetch(cluster.url + '/api/v1/namespaces');
      assert.equal(anonymous.status, 401);
      assert.equal(((await anonymous.json()) as JsonObject)['reason'], 'Unauthorized');
      const wrong = await fetch(cluster.url + '/api/v1/namespaces', {
        headers: { authorization: 'Bearer nope' },
      });
      assert.equal(wrong.status, 401);
      assert.equal((await call(cluster, 'GET', '/api/v1/namespaces')).status, 200);
      assert.equal((await fetch(cluster.url + '/version')).status, 200);
      assert.equal(await (await fetch(cluster.url + '/healthz')).text(), 'ok');
    });
  });
});

describe('simulated API server: lists and discovery', () => {
  it('pages lists with limit and continue', async () => {
    await withCluster({}, async (cluster) => {
      for (let i = 0; i < 5; i++)
        await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', configMap(`cm-${i}`));
      const names: string[] = [];
      let token = '';
      let pages = 0;
      do {
        const page = await call(
          cluster,
          'GET',
          `/api/v1/namespaces/default/configmaps?limit=2${token === '' ? '' : `&continue=${encodeURIComponent(token)}`}`,
        );
        assert.equal(page.status, 200, page.text);
        assert.equal(page.json['kind'], 'ConfigMapList');
        for (const item of page.json['items'] as JsonObject[]) {
          assert.equal(
            item['kind'],
            undefined,
            'list items carry no kind, as from a real API server',
          );
          names.push(text((item['metadata'] as JsonObject)['name']));
        }
        token = text((page.json['metadata'] as JsonObject)['continue'] ?? '');
        pages++;
      } while (token !== '');
      assert.equal(pages, 3);
      assert.deepEqual(names, ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
      assertStatus(
        await call(cluster, 'GET', '/api/v1/configmaps?limit=1&continue=garbage'),
        400,
        'BadRequest',
      );
    });
  });

  it('serves the OpenShift groups only when asked to', async () => {
    await withCluster({ openshift: true }, async (cluster) => {
      const groups = await call(cluster, 'GET', '/apis');
      const names = (groups.json['groups'] as JsonObject[]).map((g) => g['name']);
      assert.ok(names.includes('route.openshift.io') && names.includes('apps.openshift.io'));
      const route = {
        apiVersion: 'route.openshift.io/v1',
        kind: 'Route',
        metadata: { name: 'web' },
        spec: { to: { kind: 'Service', name: 'web' } },
      };
      assert.equal(
        (
          await call(
            cluster,
            'POST',
            '/apis/route.openshift.io/v1/namespaces/default/routes',
            JSON.stringify(route),
          )
        ).status,
        201,
      );
    });
  });

  it('lists resources with verbs, short names and categories, and subresources', async () => {
    await withCluster({}, async (cluster) => {
      const apps = await call(cluster, 'GET', '/apis/apps/v1');
      const resources = apps.json['resources'] as JsonObject[];
      const deployments = resources.find((r) => r['name'] === 'deployments');
      assert.deepEqual(deployments?.['shortNames'], ['deploy']);
      assert.deepEqual(deployments?.['categories'], ['all']);
      assert.ok((deployments?.['verbs'] as string[]).includes('watch'));
      const scale = resources.find((r) => r['name'] === 'deployments/scale');
      assert.deepEqual(
        [scale?.['group'], scale?.['version'], scale?.['kind']],
        ['autoscaling', 'v1', 'Scale'],
      );
      const v3 = await call(cluster, 'GET', '/openapi/v3');
      assert.ok(Object.hasOwn(v3.json['paths'] as JsonObject, 'apis/apps/v1'));
    });
  });
});

describe('simulated API server: watch', () => {
  it('starts with the current state, then streams changes; a selector turns leaving into DELETED', async () => {
    await withCluster({}, async (cluster) => {
      await call(
        cluster,
        'POST',
        '/api/v1/namespaces/default/configmaps',
        configMap('a', { team: 'x' }),
      );
      const watch = openWatch(
        cluster,
        '/api/v1/namespaces/default/configmaps?watch=1&labelSelector=team%3Dx',
      );
      await watch.until(1);
      await call(
        cluster,
        'POST',
        '/api/v1/namespaces/default/configmaps',
        configMap('b', { team: 'y' }),
      );
      await call(
        cluster,
        'PATCH',
        '/api/v1/namespaces/default/configmaps/b',
        '{"metadata":{"labels":{"team":"x"}}}',
        { 'content-type': 'application/merge-patch+json' },
      );
      await call(
        cluster,
        'PATCH',
        '/api/v1/namespaces/default/configmaps/a',
        '{"metadata":{"labels":{"team":"z"}}}',
        { 'content-type': 'application/merge-patch+json' },
      );
      await call(cluster, 'DELETE', '/api/v1/namespaces/default/configmaps/b');
      const events = await watch.until(4);
      watch.stop();
      assert.deepEqual(
        events.map((e) => `${text(e['type'])} ${nameOf(e)}`),
        ['ADDED a', 'ADDED b', 'DELETED a', 'DELETED b'],
      );
      const versions = events.map((e) =>
        Number(((e['object'] as JsonObject)['metadata'] as JsonObject)['resourceVersion']),
      );
      assert.deepEqual(
        [...versions].sort((x, y) => x - y),
        versions,
        'resourceVersions only grow',
      );
    });
  });

  it('replays events after a resourceVersion and ends with 410 Expired for one outside the window', async () => {
    await withCluster({ eventWindow: 5 }, async (cluster) => {
      const first = await call(
        cluster,
        'POST',
        '/api/v1/namespaces/default/configmaps',
        configMap('one'),
      );
      const from = text((first.json['metadata'] as JsonObject)['resourceVersion']);
      await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', configMap('two'));
      const replay = openWatch(
        cluster,
        `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}`,
      );
      const replayed = await replay.until(1);
      replay.stop();
      assert.deepEqual(
        replayed.map((e) => `${text(e['type'])} ${nameOf(e)}`),
        ['ADDED two'],
      );
      for (let i = 0; i < 6; i++)
        await call(
          cluster,
          'POST',
          '/api/v1/namespaces/default/configmaps',
          configMap(`filler-${i}`),
        );
      const expired = openWatch(
        cluster,
        `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}`,
      );
      await expired.ended;
      assert.equal(expired.events.length, 1);
      const event = expired.events[0] ?? {};
      assert.equal(event['type'], 'ERROR');
      const status = event['object'] as JsonObject;
      assert.deepEqual(
        [status['kind'], status['code'], status['reason']],
        ['Status', 410, 'Expired'],
      );
      assert.match(text(status['message']), /too old resource version/);
    });
  });

  it('sends BOOKMARK events when allowed, and the initial-events-end bookmark for sendInitialEvents', async () => {
    await withCluster({ bookmarkIntervalMs: 50 }, async (cluster) => {
      const watch = openWatch(
        cluster,
        '/api/v1/namespaces?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan',
      );
      const events = await watch.until(6);
      watch.stop();
      assert.deepEqual(
        events.slice(0, 4).map((e) => e['type']),
        ['ADDED', 'ADDED', 'ADDED', 'ADDED'],
      );
      const end = events[4]?.['object'] as JsonObject;
      assert.equal(events[4]?.['type'], 'BOOKMARK');
      assert.deepEqual((end['metadata'] as JsonObject)['annotations'], {
        'k8s.io/initial-events-end': 'true',
      });
      assert.equal(events[5]?.['type'], 'BOOKMARK');
      assert.equal((events[5]?.['object'] as JsonObject)['kind'], 'Namespace');
      assert.equal(
        ((events[5]?.['object'] as JsonObject)['metadata'] as JsonObject)['resourceVersion'],
        text(cluster.resourceVersion),
      );
    });
  });

  it('ends a watch after timeoutSeconds', async () => {
    await withCluster({}, async (cluster) => {
      const started = Date.now();
      const watch = openWatch(cluster, '/api/v1/nodes?watch=1&timeoutSeconds=1');
      await watch.ended;
      assert.ok(Date.now() - started >= 900);
      assert.equal(watch.events.length, 1);
    });
  });
});
