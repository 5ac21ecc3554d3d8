// Compute Engine machine types Vertex AI runs training and prediction on, from Google's "Configure compute
// resources for custom training" and "Configure compute resources for prediction" pages (the prediction page's
// table lists e2-*, n1-*, n2-*, n2d-*, c2-*, c2d-*, c3-*, a2-*, a3-*, g2-*; K80 is marked "reached end of
// support" in the AcceleratorType reference). Vertex adds families over time, so a type missing here is
// reported with the nearest known ones and can be let through with `allowUnknownMachineTypes`.
import type { AcceleratorType } from '../generated/vertex-types.js';
import { didYouMean, nearest } from './suggest.js';

type N1Size = 2 | 4 | 8 | 16 | 32 | 64 | 96;
type N2Size = 2 | 4 | 8 | 16 | 32 | 48 | 64 | 80;
type GpuCount = '1g' | '2g' | '4g' | '8g';

/** Machine types this package knows; the union gives editors something to complete. */
export type KnownMachineType =
  | `e2-standard-${2 | 4 | 8 | 16 | 32}`
  | `e2-highmem-${2 | 4 | 8 | 16}`
  | `e2-highcpu-${2 | 4 | 8 | 16 | 32}`
  | `n1-standard-${N1Size}`
  | `n1-highmem-${N1Size}`
  | `n1-highcpu-${N1Size}`
  | `n2-${'standard' | 'highmem' | 'highcpu'}-${N2Size}`
  | `n2d-${'standard' | 'highmem' | 'highcpu'}-${N2Size | 96}`
  | `c2-standard-${4 | 8 | 16 | 30 | 60}`
  | `c2d-${'standard' | 'highmem' | 'highcpu'}-${2 | 4 | 8 | 16 | 32 | 56 | 112}`
  | `c3-${'standard' | 'highmem' | 'highcpu'}-${4 | 8 | 22 | 44 | 88 | 176}`
  | `m1-ultramem-${40 | 80 | 160}`
  | 'm1-megamem-96'
  | `a2-highgpu-${GpuCount}`
  | 'a2-megagpu-16g'
  | `a2-ultragpu-${GpuCount}`
  | `a3-highgpu-${GpuCount}`
  | 'a3-megagpu-8g'
  | 'a3-ultragpu-8g'
  | 'a4-highgpu-8g'
  | `g2-standard-${4 | 8 | 12 | 16 | 24 | 32 | 48 | 96}`
  | 'cloud-tpu'
  | `ct5lp-hightpu-${'1t' | '4t' | '8t'}`;

/** A machine type: a known one (completed by editors) or any other string. */
export type MachineType = KnownMachineType | (string & Record<never, never>);

const sizes = (prefix: string, values: Array<number | string>): string[] => values.map((value) => `${prefix}-${value}`);
const N1_SIZES = [2, 4, 8, 16, 32, 64, 96];
const N2_SIZES = [2, 4, 8, 16, 32, 48, 64, 80];

/** Every machine type of {@link KnownMachineType}, for "did you mean". */
export const KNOWN_MACHINE_TYPES: readonly string[] = [
  ...sizes('e2-standard', [2, 4, 8, 16, 32]),
  ...sizes('e2-highmem', [2, 4, 8, 16]),
  ...sizes('e2-highcpu', [2, 4, 8, 16, 32]),
  ...['standard', 'highmem', 'highcpu'].flatMap((kind) => sizes(`n1-${kind}`, N1_SIZES)),
  ...['standard', 'highmem', 'highcpu'].flatMap((kind) => sizes(`n2-${kind}`, N2_SIZES)),
  ...['standard', 'highmem', 'highcpu'].flatMap((kind) => sizes(`n2d-${kind}`, [...N2_SIZES, 96])),
  ...sizes('c2-standard', [4, 8, 16, 30, 60]),
  ...['standard', 'highmem', 'highcpu'].flatMap((kind) => sizes(`c2d-${kind}`, [2, 4, 8, 16, 32, 56, 112])),
  ...['standard', 'highmem', 'highcpu'].flatMap((kind) => sizes(`c3-${kind}`, [4, 8, 22, 44, 88, 176])),
  ...sizes('m1-ultramem', [40, 80, 160]),
  'm1-megamem-96',
  ...sizes('a2-highgpu', ['1g', '2g', '4g', '8g']),
  'a2-megagpu-16g',
  ...sizes('a2-ultragpu', ['1g', '2g', '4g', '8g']),
  ...sizes('a3-highgpu', ['1g', '2g', '4g', '8g']),
  'a3-megagpu-8g',
  'a3-ultragpu-8g',
  'a4-highgpu-8g',
  ...sizes('g2-standard', [4, 8, 12, 16, 24, 32, 48, 96]),
  'cloud-tpu',
  ...sizes('ct5lp-hightpu', ['1t', '4t', '8t']),
];

const KNOWN = new Set(KNOWN_MACHINE_TYPES);

/** What accelerators a machine type takes. */
export type AcceleratorRule =
  /** The GPUs come with the machine: this type, at most `count` of them. */
  | { kind: 'bundled'; type: AcceleratorType; count: number }
  /** Accelerators are attached: one of these types, in one of its counts. */
  | { kind: 'attachable'; counts: Partial<Record<AcceleratorType, number[]>> }
  /** No accelerator can be attached. */
  | { kind: 'none' };

const G2_GPUS: Record<string, number> = { 4: 1, 8: 1, 12: 1, 16: 1, 32: 1, 24: 2, 48: 4, 96: 8 };

/** The accelerator rule of a machine type, or undefined for a family this package does not know. */
export function acceleratorRule(machineType: string): AcceleratorRule | undefined {
  const gpus = /-(\d+)g$/.exec(machineType);
  const bundledCount = gpus ? Number(gpus[1]) : 0;
  if (/^a2-(highgpu|megagpu)-/.test(machineType)) return { kind: 'bundled', type: 'NVIDIA_TESLA_A100', count: bundledCount };
  if (machineType.startsWith('a2-ultragpu-')) return { kind: 'bundled', type: 'NVIDIA_A100_80GB', count: bundledCount };
  if (machineType.startsWith('a3-highgpu-')) return { kind: 'bundled', type: 'NVIDIA_H100_80GB', count: bundledCount };
  if (machineType.startsWith('a3-megagpu-')) return { kind: 'bundled', type: 'NVIDIA_H100_MEGA_80GB', count: bundledCount };
  if (machineType.startsWith('a3-ultragpu-')) return { kind: 'bundled', type: 'NVIDIA_H200_141GB', count: bundledCount };
  if (machineType.startsWith('a4-highgpu-')) return { kind: 'bundled', type: 'NVIDIA_B200', count: bundledCount };
  if (machineType.startsWith('g2-standard-')) {
    return { kind: 'bundled', type: 'NVIDIA_L4', count: G2_GPUS[machineType.slice('g2-standard-'.length)] ?? 1 };
  }
  if (machineType.startsWith('n1-')) {
    // Compute Engine's N1 GPU counts: T4, P4 and P100 come 1, 2 or 4 to a VM; V100 and K80 up to 8.
    return {
      kind: 'attachable',
      counts: {
        NVIDIA_TESLA_T4: [1, 2, 4],
        NVIDIA_TESLA_P4: [1, 2, 4],
        NVIDIA_TESLA_P100: [1, 2, 4],
        NVIDIA_TESLA_V100: [1, 2, 4, 8],
        NVIDIA_TESLA_K80: [1, 2, 4, 8],
      },
    };
  }
  if (machineType === 'cloud-tpu') return { kind: 'attachable', counts: { TPU_V2: [8], TPU_V3: [8] } };
  if (machineType.startsWith('ct5lp-hightpu-')) {
    return { kind: 'bundled', type: 'TPU_V5_LITEPOD', count: Number(/-(\d+)t$/.exec(machineType)?.[1] ?? 1) };
  }
  if (/^(e2|n2|n2d|c2|c2d|c3|m1)-/.test(machineType)) return { kind: 'none' };
  return undefined;
}

const MACHINE_TYPE_SHAPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;

/**
 * Why a machine type would be refused, or undefined when it is known. `allowUnknown` lets any well-formed name
 * through (a family newer than this package).
 */
export function machineTypeProblem(machineType: string, allowUnknown = false): string | undefined {
  if (KNOWN.has(machineType)) return undefined;
  if (!MACHINE_TYPE_SHAPE.test(machineType)) {
    const suggestions = nearest(machineType, KNOWN_MACHINE_TYPES);
    const hint = suggestions.length > 0 ? `; ${didYouMean(suggestions)}` : ' such as n1-standard-4';
    return `${JSON.stringify(machineType)} is not a machine type name (lowercase words joined by -)${hint}`;
  }
  if (allowUnknown) return undefined;
  const suggestions = nearest(machineType, KNOWN_MACHINE_TYPES, 3);
  const hint = suggestions.length > 0 ? didYouMean(suggestions) : 'e.g. n1-standard-4, e2-standard-8, g2-standard-8';
  return (
    `${JSON.stringify(machineType)} is not a machine type Vertex AI is known to offer; ${hint} ` +
    '(if it is a newer one, pass { allowUnknownMachineTypes: true })'
  );
}
