import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import type { ContainersIssue } from '../containers-error.js';
import { SECRET_PATTERNS } from './dockerfile-text.js';

/** One finding of {@link checkDockerfile}. */
export interface DockerfileFinding extends ContainersIssue {
  /** `Dockerfile:12` (1-based line). */
  path: string;
  /** 1-based line. */
  line: number;
  /** `error`: the build fails or the image is unsafe; `warning`: it works, but badly. */
  severity: 'error' | 'warning';
  /**
   * `syntax` for what the Docker builder itself rejects (found by dockerfile-utils, the validator of VS Code's
   * Docker extension); else the policy rule, named after hadolint's where there is one (`DL3002`, ...), or `secret`.
   */
  rule: string;
}

/** Options of {@link checkDockerfile}. */
export interface CheckDockerfileOptions {
  /** The file name findings are reported under (default `Dockerfile`). */
  fileName?: string;
  /**
   * The build's .dockerignore. With it, `COPY . .` is fine only when the ignore file keeps secrets out (an
   * allowlist starting with `*`, or the usual secret patterns); without it such a COPY is reported.
   */
  dockerignore?: string;
}

const SECRET_FILE = /(^|\/)(\.env(\..*)?|.*\.(pem|key|p12|pfx)|id_(rsa|ed25519|ecdsa)(\.pub)?|\.npmrc|\.pypirc|\.netrc|\.git-credentials|[^/]*(service[-_]?account|credentials)[^/]*\.json|\.docker\/config\.json)$/i;
// Vertex AI's prebuilt training and prediction images are published under `:latest` only ("Using image names
// without the latest tag isn't supported": https://cloud.google.com/vertex-ai/docs/training/pre-built-containers).
const VERTEX_PREBUILT = /^([a-z0-9-]+-)?docker\.pkg\.dev\/vertex-ai\//;
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|CREDENTIALS|ACCESS_KEY)/i;

/**
 * Checks a Dockerfile before anything is built: it is parsed with a real Dockerfile parser (dockerfile-ast) and
 * validated as the Docker builder would (dockerfile-utils), then linted for what makes an image unsafe or slow:
 * the final stage running as root (DL3002), untagged or `latest` base images (DL3006, DL3007), shell-form
 * CMD/ENTRYPOINT that keeps SIGTERM from the app (DL3025), ADD for local files (DL3020), apt-get without
 * --no-install-recommends or list cleanup (DL3015, DL3009), pip without --no-cache-dir (DL3042), sudo (DL3004),
 * and secrets: key or credential files copied in, secret-looking ENV/ARG values, `COPY . .` without an ignore file
 * that keeps them out.
 *
 * @returns every finding, in line order; empty when the file is clean.
 */
export function checkDockerfile(text: string, options: CheckDockerfileOptions = {}): DockerfileFinding[] {
  const fileName = options.fileName ?? 'Dockerfile';
  const findings: DockerfileFinding[] = [];
  const add = (line: number, severity: DockerfileFinding['severity'], rule: string, message: string): void => {
    findings.push({ path: `${fileName}:${line}`, line, severity, rule, message });
  };

  for (const diagnostic of validate(text, {
    deprecatedMaintainer: ValidationSeverity.WARNING,
    directiveCasing: ValidationSeverity.WARNING,
    emptyContinuationLine: ValidationSeverity.WARNING,
    instructionCasing: ValidationSeverity.WARNING,
    instructionCmdMultiple: ValidationSeverity.WARNING,
    instructionEntrypointMultiple: ValidationSeverity.WARNING,
    instructionHealthcheckMultiple: ValidationSeverity.WARNING,
    instructionJSONInSingleQuotes: ValidationSeverity.WARNING,
    instructionWorkdirRelative: ValidationSeverity.WARNING,
  })) {
    // dockerfile-utils' severities follow the LSP: 1 error, 2 warning.
    add(diagnostic.range.start.line + 1, diagnostic.severity === 1 ? 'error' : 'warning', 'syntax', typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value);
  }

  const dockerfile = DockerfileParser.parse(text);
  const lineOf = (instruction: Instruction): number => instruction.getRange().start.line + 1;
  const froms = dockerfile.getFROMs();
  const stages = new Set(froms.map((from) => from.getBuildStage()?.toLowerCase()).filter((stage) => stage !== undefined));

  for (const from of froms) {
    const image = from.getImage();
    if (image === null || image === 'scratch' || stages.has(image.toLowerCase()) || image.includes('$')) continue;
    if (from.getImageDigest() === null && from.getImageTag() === null) {
      add(lineOf(from), 'error', 'DL3006', `FROM ${image} has no tag: the build takes whatever "latest" is that day; pin a version, e.g. ${image}:<version>`);
    } else if (from.getImageTag() === 'latest' && from.getImageDigest() === null && !VERTEX_PREBUILT.test(image)) {
      add(lineOf(from), 'warning', 'DL3007', `FROM ${image} uses "latest": pin the version you tested`);
    }
  }

  const instructions = dockerfile.getInstructions();
  const finalStageStart = froms.length > 0 ? lineOf(froms[froms.length - 1] as Instruction) : 1;
  let finalUser: { user: string; line: number } | undefined;
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword().toUpperCase();
    const line = lineOf(instruction);
    const args = instruction.getArguments().map((argument) => argument.getValue());
    const content = instruction.getArgumentsContent() ?? '';
    if (keyword === 'USER' && line >= finalStageStart) finalUser = { user: args[0] ?? '', line };
    if (keyword === 'ADD') {
      const sources = args.slice(0, -1);
      if (sources.some((source) => !/^(https?|git):\/\//.test(source) && !/\.(tar|tar\.gz|tgz|tar\.xz|tar\.bz2)$/.test(source))) {
        add(line, 'warning', 'DL3020', 'ADD copies local files with surprises (auto-extraction); use COPY');
      }
    }
    if (keyword === 'COPY' || keyword === 'ADD') {
      const fromStage = flagsOf(instruction).includes('from');
      const sources = args.slice(0, -1);
      for (const source of sources) {
        if (!fromStage && SECRET_FILE.test(source.replace(/\/+$/, ''))) {
          add(line, 'error', 'secret', `${keyword} ${source} puts a secret or key file into the image; pass it at run time (a mounted secret, Secret Manager) instead`);
        }
        if (!fromStage && (source === '.' || source === './') && !ignoresSecrets(options.dockerignore)) {
          add(
            line,
            'error',
            'secret',
            `${keyword} ${source} copies the whole build context, and ${options.dockerignore === undefined ? 'no .dockerignore was given' : 'the .dockerignore does not exclude key and credential files'}: exclude ${SECRET_PATTERNS.slice(0, 4).join(', ')}, ... or copy only what the image needs`,
          );
        }
      }
    }
    if (keyword === 'ENV' || keyword === 'ARG') {
      for (const property of propertiesOf(instruction)) {
        if (SECRET_NAME.test(property.name) && property.value !== null && property.value !== '') {
          add(line, 'error', 'secret', `${keyword} ${property.name} writes a secret into the image's history; pass it at run time (Cloud Run --set-secrets, a mounted secret) instead`);
        }
      }
    }
    if ((keyword === 'CMD' || keyword === 'ENTRYPOINT') && !content.trimStart().startsWith('[')) {
      add(line, 'warning', 'DL3025', `${keyword} in shell form runs under /bin/sh, which does not pass SIGTERM on: use the exec form, ${keyword} ["node", "src/main.ts"]`);
    }
    if (keyword === 'RUN') {
      if (/\bsudo\b/.test(content)) add(line, 'warning', 'DL3004', 'sudo in RUN: build steps run as root already; use USER to change users');
      if (/\bapt-get\s+(-\S+\s+)*install\b/.test(content)) {
        if (!content.includes('--no-install-recommends')) add(line, 'warning', 'DL3015', 'apt-get install without --no-install-recommends pulls in packages the image does not need');
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(content)) add(line, 'warning', 'DL3009', 'apt-get lists stay in the layer; end the RUN with rm -rf /var/lib/apt/lists/*');
      }
      if (/\bpip3?\s+install\b/.test(content) && !content.includes('--no-cache-dir') && !/\buv\s+pip\b/.test(content)) {
        add(line, 'warning', 'DL3042', 'pip install keeps its download cache in the layer; add --no-cache-dir');
      }
    }
  }
  const finalFrom = froms[froms.length - 1];
  if (finalFrom) {
    if (finalUser === undefined) {
      add(lineOf(finalFrom), 'error', 'DL3002', 'the final stage runs as root: add USER <unprivileged user> (node images have "node") before CMD/ENTRYPOINT');
    } else if (/^(root|0)(:.*)?$/.test(finalUser.user)) {
      add(finalUser.line, 'error', 'DL3002', `USER ${finalUser.user}: the final stage runs as root; switch to an unprivileged user`);
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

// COPY and ADD flags (--from, --chown) are not arguments in dockerfile-ast.
function flagsOf(instruction: Instruction): string[] {
  const withFlags = instruction as Instruction & { getFlags?: () => { getName(): string }[] };
  return (withFlags.getFlags?.() ?? []).map((flag) => flag.getName());
}

function propertiesOf(instruction: Instruction): { name: string; value: string | null }[] {
  const withProperties = instruction as Instruction & { getProperties?: () => { getName(): string; getValue(): string | null }[] };
  return (withProperties.getProperties?.() ?? []).map((property) => ({ name: property.getName(), value: property.getValue() }));
}

/** Whether a .dockerignore keeps key and credential files out: an allowlist (`*` first), or the usual patterns. */
function ignoresSecrets(dockerignore: string | undefined): boolean {
  if (dockerignore === undefined) return false;
  const lines = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines[0] === '*' || lines[0] === '**') return true;
  return ['.env', '.pem', '.key'].every((needle) => lines.some((line) => !line.startsWith('!') && line.includes(needle)));
}
