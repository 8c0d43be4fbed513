// Generates docker-compose.yml and deploy/k8s from the service registry (npm run deploy:generate); a test
// fails when the committed files differ from what this produces. Each file is built as plain objects and
// written by the `yaml` package (comments, anchors and merge keys as yaml nodes), then formatted by prettier.
const path = require('node:path');
const YAML = require('yaml');
const { APPS } = require('./registry');

const ROOT = path.join(__dirname, '..', '..');

/** Secret variables an app receives from voxmail-secrets, besides DATABASE_URL. */
function secretsOf(app) {
  return [...app.secrets, ...(app.objectStore ? ['S3_ACCESS_KEY', 'S3_SECRET_KEY'] : [])];
}

/** What differs between the gateway's manifest and a service's; everything else is shared. */
const KINDS = {
  gateway: {
    component: 'gateway',
    portName: 'http',
    portEnv: 'PORT',
    serviceComment: (app) =>
      `The gateway's Service: port 80 -> the gateway's PORT (${app.port}). Put an Ingress or a\n` +
      'LoadBalancer in front of it; PUBLIC_BASE_URL in voxmail-config must be the URL clients use.',
    serviceSpec: { type: 'ClusterIP' },
    servicePort: () => ({ name: 'http', port: 80, targetPort: 'http' }),
  },
  service: {
    component: 'service',
    portName: 'health',
    portEnv: 'HEALTH_PORT',
    serviceComment: () =>
      'Headless Service: commands reach the service over NATS (queue group), not through this Service.\n' +
      'It exists so Prometheus (kubernetes service-endpoints discovery) scrapes /metrics on every pod.',
    serviceSpec: { clusterIP: 'None' },
    servicePort: (app) => ({ name: 'health', port: app.port, targetPort: 'health' }),
  },
};

const kindOf = (app) => KINDS[app.kind === 'gateway' ? 'gateway' : 'service'];

/**
 * A service's health and /metrics take no credentials: they listen on the pod's own IP (the kubelet's
 * probes and Prometheus reach it there), never on every interface (HEALTH_HOST, default loopback).
 */
const HEALTH_HOST_ENV = { name: 'HEALTH_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } };

const selectorLabels = (app) => ({
  'app.kubernetes.io/name': app.name,
  'app.kubernetes.io/part-of': 'voxmail',
});
const labels = (app, component) => ({
  'app.kubernetes.io/name': app.name,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': 'voxmail',
});

/** The metadata every object of an app's manifest carries. */
const metadata = (app, component, extra = {}) => ({
  name: app.name,
  namespace: 'voxmail',
  labels: labels(app, component),
  ...extra,
});

/** Secrets an app runs without (the Secret may leave them out): only needed with some configuration. */
const OPTIONAL_SECRETS = new Set(['TRANSCRIPTION_OPENAI_API_KEY']);

const secretRef = (k) => ({
  name: k,
  valueFrom: {
    secretKeyRef: { name: 'voxmail-secrets', key: k, ...(OPTIONAL_SECRETS.has(k) ? { optional: true } : {}) },
  },
});

const PROBES = [
  ['startupProbe', '/health/live', 5, 60],
  ['readinessProbe', '/health/ready', 10, 3],
  ['livenessProbe', '/health/live', 15, 3],
];

const probes = (portName) =>
  Object.fromEntries(
    PROBES.map(([name, p, period, failures]) => [
      name,
      {
        httpGet: { path: p, port: portName },
        periodSeconds: period,
        timeoutSeconds: 3,
        failureThreshold: failures,
      },
    ]),
  );

/** A yaml document of `value`, with comments put before the nodes at the given paths. */
function document(value, { header, comments = [], flow = [] } = {}) {
  const doc = new YAML.Document(value);
  if (header) doc.contents.commentBefore = commentText(header);
  for (const [at, text] of comments) {
    const parent = doc.getIn(at.slice(0, -1), true);
    const last = at[at.length - 1];
    // before a key of a map: on the key; before an item of a sequence: on the item
    const node = YAML.isMap(parent) ? parent.items.find((p) => p.key.value === last).key : parent.items[last];
    node.commentBefore = commentText(text);
  }
  for (const at of flow) doc.getIn(at, true).flow = true;
  return doc;
}

/** yaml writes `#` before each line of a comment; a leading space keeps `# text`. */
const commentText = (text) =>
  text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');

/** Whether YAML 1.1 reads `s` unquoted as a number, a boolean or null (`.` is its NaN: left alone). */
function misread11(s) {
  const v = YAML.parse(s, { version: '1.1' });
  return typeof v === 'number' ? !Number.isNaN(v) : typeof v !== 'string';
}

/**
 * Quotes the string values a reader could take for something else: what YAML 1.1 reads as a number or
 * a time (ports, versions: docker compose's own advice), items of flow sequences, and text with quotes.
 */
function quoteAmbiguous(doc) {
  YAML.visit(doc, {
    Pair: (_, pair) => {
      if (YAML.isScalar(pair.key)) pair.key.type = 'PLAIN';
    },
    Scalar: (_, node, path) => {
      if (typeof node.value !== 'string') return;
      const parent = path[path.length - 1];
      if (YAML.isPair(parent) && parent.key === node) return;
      if (node.value.includes("'")) node.type = 'QUOTE_DOUBLE';
      else if (
        (YAML.isSeq(parent) && parent.flow) ||
        /^(?=.*\d)[\d.:]+$/.test(node.value) ||
        /^\$\{[^}]*\}:\d+$/.test(node.value) ||
        misread11(node.value)
      )
        node.type = 'QUOTE_SINGLE';
    },
  });
  return doc;
}

const CONTAINER = ['spec', 'template', 'spec', 'containers', 0];

/** deploy/k8s/<app>.yaml: Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget. */
function k8sManifest(app) {
  const k = kindOf(app);
  const { component, portName, portEnv } = k;
  const env = [
    { name: portEnv, value: String(app.port) },
    ...(component === 'service' ? [HEALTH_HOST_ENV] : []),
    secretRef('DATABASE_URL'),
    ...secretsOf(app).map(secretRef),
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(app, component),
    spec: {
      replicas: 2,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(app) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(app, component) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selectorLabels(app) },
            },
          ],
          containers: [
            {
              name: app.name,
              image: `voxmail/${app.name}:0.1.0`,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: portName, containerPort: app.port, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: 'voxmail-config' } }],
              env,
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { cpu: '1', memory: '512Mi' },
              },
              ...probes(portName),
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: app.tmpSize } }],
        },
      },
    },
  };
  const port = k.servicePort(app);
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(app, component, {
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(app.port),
        'prometheus.io/path': '/metrics',
      },
    }),
    spec: {
      ...k.serviceSpec,
      selector: selectorLabels(app),
      ports: [{ ...port, protocol: 'TCP' }],
    },
  };
  const autoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(app, component),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app.name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
  const budget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(app, component),
    spec: { minAvailable: 1, selector: { matchLabels: selectorLabels(app) } },
  };
  const docs = [
    document(deployment, {
      header: `${app.name}: ${app.summary}\nDeployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget.`,
      comments: [
        [
          ['spec', 'replicas'],
          'Starting size; the HorizontalPodAutoscaler below owns the replica count from then on.',
        ],
        [
          ['spec', 'template', 'spec', 'securityContext', 'runAsUser'],
          "uid/gid of the image's `node` user (a numeric uid lets the kubelet verify runAsNonRoot).",
        ],
        [[...CONTAINER, 'env', component === 'service' ? 2 : 1], 'Only the secret keys this app needs.'],
        [
          [...CONTAINER, 'startupProbe'],
          'Generous: migrations run before the server listens, and a replica may wait for the\n' +
            'migration advisory lock held by another one (up to 5 minutes here).',
        ],
        [
          [...CONTAINER, 'lifecycle', 'preStop'],
          'Let endpoints and load balancers forget the pod before SIGTERM starts the drain.',
        ],
      ],
      flow: [
        [...CONTAINER, 'lifecycle', 'preStop', 'exec', 'command'],
        [...CONTAINER, 'securityContext', 'capabilities', 'drop'],
      ],
    }),
    document(service, { header: k.serviceComment(app) }),
    document(autoscaler),
    document(budget),
  ];
  return docs.map((d) => quoteAmbiguous(d).toString({ lineWidth: 0 })).join('---\n');
}

/** What docker compose says about each secret when it is not set. */
const COMPOSE_SECRET = {
  VOXMAIL_SECRET: '${VOXMAIL_SECRET:?set VOXMAIL_SECRET (at least 32 characters)}',
  VOXMAIL_OPERATOR_API_KEY: '${VOXMAIL_OPERATOR_API_KEY:?set VOXMAIL_OPERATOR_API_KEY}',
  TRANSCRIPTION_OPENAI_API_KEY: '${TRANSCRIPTION_OPENAI_API_KEY:-}',
};

const COMPOSE_HEADER = `Voxmail, the whole thing: PostgreSQL, NATS with JetStream, MinIO and every app.

  export VOXMAIL_OPERATOR_API_KEY=$(openssl rand -hex 24)
  export VOXMAIL_SECRET=$(openssl rand -hex 32)        # at least 32 characters
  docker compose up --build -d
  curl http://localhost:8000/health/ready

Generated from libs/contracts/src/services.json by \`npm run deploy:generate\`: edit the registry or
scripts/lib/deploy.js, not this file. The app images are built from the one Dockerfile with the build
argument APP.
Each service runs its own database migrations at start (MIGRATIONS_RUN=true).
Optional overrides (shell or .env file): POSTGRES_PASSWORD, S3_ACCESS_KEY, S3_SECRET_KEY,
PUBLIC_BASE_URL, GATEWAY_PORT, LOG_LEVEL, COMMAND_TIMEOUT_MS, VOXMAIL_TAG.`;

const healthcheck = (test, startPeriod) => ({
  test,
  interval: '5s',
  timeout: '5s',
  retries: 20,
  start_period: startPeriod,
});

function composeFile() {
  const doc = new YAML.Document({});
  /** A node `doc` writes once with `&name` and then as `*name` wherever it is used. */
  const anchored = (name, value) => Object.assign(doc.createNode(value), { anchor: name });
  const merge = (node, rest) => doc.createNode({ '<<': doc.createAlias(node), ...rest });
  const dependsOn = anchored('app-depends-on', {
    postgres: { condition: 'service_healthy' },
    nats: { condition: 'service_healthy' },
  });
  const app = anchored('app', {
    restart: 'unless-stopped',
    init: true,
    stop_signal: 'SIGTERM',
    stop_grace_period: '30s',
    read_only: true,
    tmpfs: ['/tmp'],
    depends_on: dependsOn,
  });
  const appHealthcheck = anchored('app-healthcheck', {
    test: [
      'CMD',
      'node',
      '-e',
      "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||process.env.PORT)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
    ],
    interval: '10s',
    timeout: '5s',
    retries: 6,
    start_period: '30s',
  });
  const appEnv = anchored('app-env', {
    NODE_ENV: 'production',
    LOG_LEVEL: '${LOG_LEVEL:-info}',
    DATABASE_URL: 'postgres://voxmail:${POSTGRES_PASSWORD:-voxmail}@postgres:5432/voxmail',
    NATS_URL: 'nats://nats:4222',
    PUBLIC_BASE_URL: '${PUBLIC_BASE_URL:-http://localhost:8000}',
    MIGRATIONS_RUN: 'true',
  });
  const flow = (list) => Object.assign(doc.createNode(list), { flow: true });

  const composeApp = (a) => {
    const gateway = a.kind === 'gateway';
    const env = gateway
      ? { PORT: String(a.port), COMMAND_TIMEOUT_MS: '${COMMAND_TIMEOUT_MS:-5000}' }
      : { HEALTH_PORT: String(a.port) };
    for (const k of a.secrets) env[k] = COMPOSE_SECRET[k] ?? `\${${k}:?set ${k}}`;
    if (a.objectStore) {
      Object.assign(env, {
        S3_ENDPOINT: 'http://minio:9000',
        S3_ACCESS_KEY: '${S3_ACCESS_KEY:-voxmail}',
        S3_SECRET_KEY: '${S3_SECRET_KEY:-voxmail-secret}',
        S3_BUCKET: 'voxmail',
        S3_REGION: 'us-east-1',
      });
    }
    return merge(app, {
      build: { context: '.', args: { APP: a.name } },
      image: `voxmail/${a.name}:\${VOXMAIL_TAG:-local}`,
      ...(a.objectStore ? { depends_on: merge(dependsOn, { minio: { condition: 'service_healthy' } }) } : {}),
      environment: merge(appEnv, env),
      ...(gateway ? { ports: [`\${GATEWAY_PORT:-${a.port}}:${a.port}`] } : {}),
      healthcheck: doc.createAlias(appHealthcheck),
    });
  };

  doc.contents = doc.createNode({
    name: 'voxmail',
    'x-app': app,
    'x-app-healthcheck': appHealthcheck,
    'x-app-env': appEnv,
    services: {
      postgres: {
        image: 'postgres:16',
        restart: 'unless-stopped',
        environment: {
          POSTGRES_USER: 'voxmail',
          POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:-voxmail}',
          POSTGRES_DB: 'voxmail',
        },
        volumes: ['postgres-data:/var/lib/postgresql/data'],
        healthcheck: {
          ...healthcheck(flow(['CMD-SHELL', 'pg_isready -U voxmail -d voxmail']), '10s'),
        },
      },
      nats: {
        image: 'nats:2.10-alpine',
        restart: 'unless-stopped',
        command: flow(['-js', '-sd', '/data', '-m', '8222']),
        volumes: ['nats-data:/data'],
        healthcheck: healthcheck(
          flow(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8222/healthz']),
          '5s',
        ),
      },
      minio: {
        image: 'minio/minio',
        restart: 'unless-stopped',
        command: flow(['server', '/data', '--console-address', ':9001']),
        environment: {
          MINIO_ROOT_USER: '${S3_ACCESS_KEY:-voxmail}',
          MINIO_ROOT_PASSWORD: '${S3_SECRET_KEY:-voxmail-secret}',
        },
        ports: ['127.0.0.1:9001:9001'],
        volumes: ['minio-data:/data'],
        healthcheck: healthcheck(flow(['CMD', 'mc', 'ready', 'local']), '5s'),
      },
      ...Object.fromEntries(APPS.map((a) => [a.name, composeApp(a)])),
    },
    volumes: { 'postgres-data': null, 'nats-data': null, 'minio-data': null },
  });
  // the header, then a blank line (doc.commentBefore); a node's own comment sits right above it
  doc.commentBefore = commentText(COMPOSE_HEADER);
  const comment = (at, text) => {
    const parent = doc.getIn(at.slice(0, -1), true);
    parent.items.find((p) => p.key.value === at[at.length - 1]).key.commentBefore = commentText(text);
  };
  comment(
    ['x-app-healthcheck'],
    "No curl in node:*-slim; node's own fetch asks the app's readiness endpoint.",
  );
  comment(
    ['services', 'nats', 'image'],
    'The -alpine variant: the plain nats:2.10 image is FROM scratch and has no wget for the healthcheck.',
  );
  comment(
    ['services', 'minio', 'healthcheck', 'test'],
    "The image has no curl; `mc ready local` asks the server's health endpoint.",
  );
  doc.getIn(['services', 'minio', 'ports', 0], true).comment = ' MinIO console, local only';
  // a blank line between the top-level sections and between services, as a person would write it
  for (const p of doc.contents.items.slice(1)) p.key.spaceBefore = true;
  for (const p of doc.getIn(['services'], true).items.slice(1)) p.key.spaceBefore = true;
  // volumes: bare keys, as compose files write them
  return quoteAmbiguous(doc).toString({ lineWidth: 0, nullStr: '' });
}

function kustomization() {
  const doc = new YAML.Document({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: 'voxmail',
    resources: ['namespace.yaml', 'configmap.yaml', ...APPS.map((a) => `${a.name}.yaml`)],
    images: APPS.map((a) => ({
      name: `voxmail/${a.name}`,
      newName: `registry.example.com/voxmail/${a.name}`,
      newTag: '0.1.0',
    })),
  });
  doc.contents.commentBefore = commentText(
    'kubectl apply -k deploy/k8s\n' +
      'Generated from libs/contracts/src/services.json by `npm run deploy:generate`.\n' +
      'Create the voxmail-secrets Secret first (secret.example.yaml is only a template and is not\n' +
      'listed here) and install NATS and MinIO with their Helm charts; see README.md.',
  );
  doc.getIn([], true).items.find((p) => p.key.value === 'images').key.commentBefore = commentText(
    'CHANGE_ME: point these at your registry and release tag, e.g.\n' +
      '  cd deploy/k8s && kustomize edit set image voxmail/api-gateway=registry.example.com/voxmail/api-gateway:0.1.0',
  );
  return quoteAmbiguous(doc).toString({ lineWidth: 0 });
}

/** Every generated file (relative path -> text), formatted as the repository's prettier check wants it. */
async function generatedFiles() {
  const prettier = require('prettier');
  const raw = {
    'docker-compose.yml': composeFile(),
    'deploy/k8s/kustomization.yaml': kustomization(),
    ...Object.fromEntries(APPS.map((a) => [`deploy/k8s/${a.name}.yaml`, k8sManifest(a)])),
  };
  const out = {};
  for (const [rel, text] of Object.entries(raw)) {
    const filepath = path.join(ROOT, rel);
    const options = await prettier.resolveConfig(filepath);
    out[rel] = await prettier.format(text, { ...options, filepath });
  }
  return out;
}

module.exports = { generatedFiles, k8sManifest, composeFile, kustomization };
