// Generates docker-compose.yml and deploy/k8s from the service registry (npm run deploy:generate); a test
// fails when the committed files differ from what this produces.
const path = require('node:path');
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
    serviceComment: (
      app,
    ) => `# The gateway's Service: port 80 -> the gateway's PORT (${app.port}). Put an Ingress or a
# LoadBalancer in front of it; PUBLIC_BASE_URL in voxmail-config must be the URL clients use.`,
    serviceSpec: 'type: ClusterIP',
    servicePort: () => ({ name: 'http', port: 80, targetPort: 'http' }),
  },
  service: {
    component: 'service',
    portName: 'health',
    portEnv: 'HEALTH_PORT',
    serviceComment:
      () => `# Headless Service: commands reach the service over NATS (queue group), not through this Service.
# It exists so Prometheus (kubernetes service-endpoints discovery) scrapes /metrics on every pod.`,
    serviceSpec: 'clusterIP: None',
    servicePort: (app) => ({ name: 'health', port: app.port, targetPort: 'health' }),
  },
};

/**
 * A service's health and /metrics take no credentials: they listen on the pod's own IP (the kubelet's
 * probes and Prometheus reach it there), never on every interface (HEALTH_HOST, default loopback).
 */
const HEALTH_HOST_ENV = `            - name: HEALTH_HOST
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
`;

/** `text`'s lines indented by `n` spaces (the first one too). */
const indent = (n, text) =>
  text
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');

const selectorLabels = (app) => `app.kubernetes.io/name: ${app.name}\napp.kubernetes.io/part-of: voxmail`;
const labels = (app, component) =>
  `app.kubernetes.io/name: ${app.name}\napp.kubernetes.io/component: ${component}\napp.kubernetes.io/part-of: voxmail`;

/** The metadata every object of an app's manifest carries. */
const metadata = (app, component, extra = '') => `metadata:
  name: ${app.name}
  namespace: voxmail
  labels:
${indent(4, labels(app, component))}
${extra}`;

/** Secrets an app runs without (the Secret may leave them out): only needed with some configuration. */
const OPTIONAL_SECRETS = new Set(['TRANSCRIPTION_OPENAI_API_KEY']);

const secretRef = (k) =>
  `- name: ${k}\n  valueFrom:\n    secretKeyRef:\n      name: voxmail-secrets\n      key: ${k}\n${
    OPTIONAL_SECRETS.has(k) ? '      optional: true\n' : ''
  }`;

const PROBES = [
  ['startupProbe', '/health/live', 5, 60],
  ['readinessProbe', '/health/ready', 10, 3],
  ['livenessProbe', '/health/live', 15, 3],
];

function probes(portName) {
  return PROBES.map(
    ([name, path, period, failures]) => `${name}:
  httpGet:
    path: ${path}
    port: ${portName}
  periodSeconds: ${period}
  timeoutSeconds: 3
  failureThreshold: ${failures}
`,
  ).join('');
}

function k8sServiceSection(app) {
  const k = KINDS[app.kind === 'gateway' ? 'gateway' : 'service'];
  const port = k.servicePort(app);
  return `${k.serviceComment(app)}
apiVersion: v1
kind: Service
${metadata(
  app,
  k.component,
  `  annotations:
    prometheus.io/scrape: 'true'
    prometheus.io/port: '${app.port}'
    prometheus.io/path: /metrics
`,
)}spec:
  ${k.serviceSpec}
  selector:
${indent(4, selectorLabels(app))}
  ports:
    - name: ${port.name}
      port: ${port.port}
      targetPort: ${port.targetPort}
      protocol: TCP
`;
}

/** deploy/k8s/<app>.yaml: Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget. */
function k8sManifest(app) {
  const { component, portName, portEnv } = KINDS[app.kind === 'gateway' ? 'gateway' : 'service'];
  const secretEnv = indent(12, secretsOf(app).map(secretRef).join(''));
  return `# ${app.name}: ${app.summary}
# Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget.
apiVersion: apps/v1
kind: Deployment
${metadata(app, component)}spec:
  # Starting size; the HorizontalPodAutoscaler below owns the replica count from then on.
  replicas: 2
  revisionHistoryLimit: 5
  selector:
    matchLabels:
${indent(6, selectorLabels(app))}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
${indent(8, labels(app, component))}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        # uid/gid of the image's \`node\` user (a numeric uid lets the kubelet verify runAsNonRoot).
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
${indent(14, selectorLabels(app))}
      containers:
        - name: ${app.name}
          image: voxmail/${app.name}:0.1.0
          imagePullPolicy: IfNotPresent
          ports:
            - name: ${portName}
              containerPort: ${app.port}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: voxmail-config
          env:
            - name: ${portEnv}
              value: '${app.port}'
${component === 'service' ? HEALTH_HOST_ENV : ''}            # Only the secret keys this app needs.
${indent(12, secretRef('DATABASE_URL'))}${secretEnv}          resources:
            requests:
              cpu: 100m
              memory: 256Mi
            limits:
              cpu: '1'
              memory: 512Mi
          # Generous: migrations run before the server listens, and a replica may wait for the
          # migration advisory lock held by another one (up to 5 minutes here).
${indent(10, probes(portName))}          lifecycle:
            # Let endpoints and load balancers forget the pod before SIGTERM starts the drain.
            preStop:
              exec:
                command: ['sleep', '5']
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ['ALL']
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: ${app.tmpSize}
---
${k8sServiceSection(app)}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
${metadata(app, component)}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${app.name}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
---
apiVersion: policy/v1
kind: PodDisruptionBudget
${metadata(app, component)}spec:
  minAvailable: 1
  selector:
    matchLabels:
${indent(6, selectorLabels(app))}
`;
}

/** What docker compose says about each secret when it is not set. */
const COMPOSE_SECRET = {
  VOXMAIL_SECRET: '${VOXMAIL_SECRET:?set VOXMAIL_SECRET (at least 32 characters)}',
  VOXMAIL_OPERATOR_API_KEY: '${VOXMAIL_OPERATOR_API_KEY:?set VOXMAIL_OPERATOR_API_KEY}',
  TRANSCRIPTION_OPENAI_API_KEY: '${TRANSCRIPTION_OPENAI_API_KEY:-}',
};

function composeApp(app) {
  const gateway = app.kind === 'gateway';
  const env = gateway
    ? [`PORT: '${app.port}'`, 'COMMAND_TIMEOUT_MS: ${COMMAND_TIMEOUT_MS:-5000}']
    : [`HEALTH_PORT: '${app.port}'`];
  for (const k of app.secrets) env.push(`${k}: ${COMPOSE_SECRET[k] ?? `\${${k}:?set ${k}}`}`);
  if (app.objectStore) {
    env.push(
      'S3_ENDPOINT: http://minio:9000',
      'S3_ACCESS_KEY: ${S3_ACCESS_KEY:-voxmail}',
      'S3_SECRET_KEY: ${S3_SECRET_KEY:-voxmail-secret}',
      'S3_BUCKET: voxmail',
      'S3_REGION: us-east-1',
    );
  }
  const lines = [
    `  ${app.name}:`,
    '    <<: *app',
    '    build:',
    '      context: .',
    '      args:',
    `        APP: ${app.name}`,
    `    image: voxmail/${app.name}:\${VOXMAIL_TAG:-local}`,
  ];
  if (app.objectStore) {
    lines.push(
      '    depends_on:',
      '      <<: *app-depends-on',
      '      minio:',
      '        condition: service_healthy',
    );
  }
  lines.push('    environment:', '      <<: *app-env', ...env.map((e) => `      ${e}`));
  if (gateway) lines.push('    ports:', `      - '\${GATEWAY_PORT:-${app.port}}:${app.port}'`);
  lines.push('    healthcheck: *app-healthcheck', '');
  return lines.join('\n');
}

function composeFile() {
  return (
    `# Voxmail, the whole thing: PostgreSQL, NATS with JetStream, MinIO and every app.
#
#   export VOXMAIL_OPERATOR_API_KEY=$(openssl rand -hex 24)
#   export VOXMAIL_SECRET=$(openssl rand -hex 32)        # at least 32 characters
#   docker compose up --build -d
#   curl http://localhost:8000/health/ready
#
# Generated from libs/contracts/src/services.json by \`npm run deploy:generate\`: edit the registry or
# scripts/lib/deploy.js, not this file. The app images are built from the one Dockerfile with the build
# argument APP.
# Each service runs its own database migrations at start (MIGRATIONS_RUN=true).
# Optional overrides (shell or .env file): POSTGRES_PASSWORD, S3_ACCESS_KEY, S3_SECRET_KEY,
# PUBLIC_BASE_URL, GATEWAY_PORT, LOG_LEVEL, COMMAND_TIMEOUT_MS, VOXMAIL_TAG.

name: voxmail

x-app: &app
  restart: unless-stopped
  init: true
  stop_signal: SIGTERM
  stop_grace_period: 30s
  read_only: true
  tmpfs:
    - /tmp
  depends_on: &app-depends-on
    postgres:
      condition: service_healthy
    nats:
      condition: service_healthy

# No curl in node:*-slim; node's own fetch asks the app's readiness endpoint.
x-app-healthcheck: &app-healthcheck
  test:
    - CMD
    - node
    - -e
    - "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||process.env.PORT)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
  interval: 10s
  timeout: 5s
  retries: 6
  start_period: 30s

x-app-env: &app-env
  NODE_ENV: production
  LOG_LEVEL: \${LOG_LEVEL:-info}
  DATABASE_URL: postgres://voxmail:\${POSTGRES_PASSWORD:-voxmail}@postgres:5432/voxmail
  NATS_URL: nats://nats:4222
  PUBLIC_BASE_URL: \${PUBLIC_BASE_URL:-http://localhost:8000}
  MIGRATIONS_RUN: 'true'

services:
  postgres:
    image: postgres:16
    restart: unless-stopped
    environment:
      POSTGRES_USER: voxmail
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD:-voxmail}
      POSTGRES_DB: voxmail
    volumes:
      - postgres-data:/var/lib/postgresql/data
    healthcheck:
      test: ['CMD-SHELL', 'pg_isready -U voxmail -d voxmail']
      interval: 5s
      timeout: 5s
      retries: 20
      start_period: 10s

  nats:
    # The -alpine variant: the plain nats:2.10 image is FROM scratch and has no wget for the healthcheck.
    image: nats:2.10-alpine
    restart: unless-stopped
    command: ['-js', '-sd', '/data', '-m', '8222']
    volumes:
      - nats-data:/data
    healthcheck:
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8222/healthz']
      interval: 5s
      timeout: 5s
      retries: 20
      start_period: 5s

  minio:
    image: minio/minio
    restart: unless-stopped
    command: ['server', '/data', '--console-address', ':9001']
    environment:
      MINIO_ROOT_USER: \${S3_ACCESS_KEY:-voxmail}
      MINIO_ROOT_PASSWORD: \${S3_SECRET_KEY:-voxmail-secret}
    ports:
      - '127.0.0.1:9001:9001' # MinIO console, local only
    volumes:
      - minio-data:/data
    healthcheck:
      # The image has no curl; \`mc ready local\` asks the server's health endpoint.
      test: ['CMD', 'mc', 'ready', 'local']
      interval: 5s
      timeout: 5s
      retries: 20
      start_period: 5s

` +
    APPS.map(composeApp).join('\n') +
    '\n' +
    `volumes:
  postgres-data:
  nats-data:
  minio-data:
`
  );
}

function kustomization() {
  const lines = [
    '# kubectl apply -k deploy/k8s',
    '# Generated from libs/contracts/src/services.json by `npm run deploy:generate`.',
    '# Create the voxmail-secrets Secret first (secret.example.yaml is only a template and is not',
    '# listed here) and install NATS and MinIO with their Helm charts; see README.md.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'namespace: voxmail',
    'resources:',
    '  - namespace.yaml',
    '  - configmap.yaml',
    ...APPS.map((a) => `  - ${a.name}.yaml`),
    '# CHANGE_ME: point these at your registry and release tag, e.g.',
    '#   cd deploy/k8s && kustomize edit set image voxmail/api-gateway=registry.example.com/voxmail/api-gateway:0.1.0',
    'images:',
    ...APPS.flatMap((a) => [
      `  - name: voxmail/${a.name}`,
      `    newName: registry.example.com/voxmail/${a.name}`,
      "    newTag: '0.1.0'",
    ]),
    '',
  ];
  return lines.join('\n');
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
