import type { CompareSetup } from '@framekit/cli/compare';
import { DEFAULT_SETUP } from '@framekit/cli/compare';
import { findMapPreset } from '@framekit/cli/maps';

/** The whole setup in the URL's hash, so a link reproduces the comparison. Pasted maps travel as base64url. */
export function encodeSetup(setup: CompareSetup): string {
  const params = new URLSearchParams();
  if (findMapPreset(setup.map)) params.set('map', setup.map);
  else params.set('mapText', toBase64Url(setup.map));
  if (setup.format) params.set('format', setup.format);
  params.set('workload', setup.workload);
  params.set('strategies', setup.strategies.join(','));
  params.set('ops', String(setup.ops));
  params.set('seed', String(setup.seed));
  return `#${params.toString()}`;
}

export function decodeSetup(hash: string): CompareSetup {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const number = (key: string, fallback: number) => {
    const n = Number(params.get(key));
    return params.has(key) && Number.isSafeInteger(n) && n >= 0 ? n : fallback;
  };
  const mapText = params.get('mapText');
  return {
    map: mapText ? fromBase64Url(mapText) : (params.get('map') ?? DEFAULT_SETUP.map),
    format: (params.get('format') ?? undefined) as CompareSetup['format'],
    workload: params.get('workload') ?? DEFAULT_SETUP.workload,
    strategies: params.get('strategies')?.split(',').filter(Boolean) ?? DEFAULT_SETUP.strategies,
    ops: Math.max(1, number('ops', DEFAULT_SETUP.ops)),
    seed: number('seed', DEFAULT_SETUP.seed),
  };
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
