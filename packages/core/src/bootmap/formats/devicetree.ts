import type { BootMap, RegionKind } from '../schema';
import { RegionSink } from '../sink';
import { numberValue } from '../text';
import { type DtNode, type DtProperty, readDts } from './dts-syntax';

interface Cells {
  readonly address: number;
  readonly size: number;
}

/** The cell counts a node states for its children, if it states both. */
function statedCells(node: DtNode, sink: RegionSink): Cells | undefined {
  const a = node.props.get('#address-cells');
  const s = node.props.get('#size-cells');
  if (!a || !s) return undefined;
  const address = singleCell(a, sink);
  const size = singleCell(s, sink);
  if (address < 1 || address > 4 || size > 4) {
    throw sink.fail({ line: a.line }, `#address-cells ${address} / #size-cells ${size} are out of range`);
  }
  return { address, size };
}

function singleCell(prop: DtProperty, sink: RegionSink): number {
  const cells = cellValues(prop, sink);
  if (cells.length !== 1) throw sink.fail({ line: prop.line }, `${prop.name} needs one cell`);
  return Number(cells[0]);
}

/** The 32-bit cells of a property, in order (several `<…>` groups concatenate). */
function cellValues(prop: DtProperty, sink: RegionSink): bigint[] {
  const out: bigint[] = [];
  for (const value of prop.values) {
    if (value.type !== 'cells') throw sink.fail({ line: prop.line }, `${prop.name} must be a list of cells`);
    for (const text of value.cells) {
      if (!/^(0x[0-9a-fA-F]+|\d+)$/i.test(text)) {
        throw sink.fail({ line: prop.line }, `cell '${text}' of ${prop.name} is not a plain number`);
      }
      const cell = numberValue(sink, { line: prop.line }, text);
      if (cell > 0xffffffffn)
        throw sink.fail({ line: prop.line }, `cell ${text} of ${prop.name} does not fit 32 bits`);
      out.push(cell);
    }
  }
  return out;
}

function join(cells: readonly bigint[]): bigint {
  return cells.reduce((acc, c) => (acc << 32n) | c, 0n);
}

/** The unit address of `memory@80000000`, when it is one plain hex number. */
function unitAddress(node: DtNode): bigint | undefined {
  const at = node.name.indexOf('@');
  const unit = at < 0 ? '' : node.name.slice(at + 1);
  return /^[0-9a-fA-F]{1,16}$/.test(unit) ? BigInt(`0x${unit}`) : undefined;
}

/** Cell counts tried when the parent states none: the spec's default (2, 1) first. */
const GUESSES: readonly Cells[] = [
  { address: 2, size: 1 },
  { address: 2, size: 2 },
  { address: 1, size: 1 },
  { address: 1, size: 2 },
];

/**
 * `reg` as (address, size) pairs. The cell counts come from the parent node; a snippet
 * that leaves them out gets the first of (2,1), (2,2), (1,1), (1,2) that divides the cells
 * and puts the first address at the node's unit address, as the spec requires it to be.
 */
function regPairs(
  node: DtNode,
  reg: DtProperty,
  parent: Cells | undefined,
  sink: RegionSink,
): [bigint, bigint][] {
  const cells = cellValues(reg, sink);
  const unit = unitAddress(node);
  const fits = (c: Cells): boolean =>
    cells.length > 0 &&
    cells.length % (c.address + c.size) === 0 &&
    (unit === undefined || join(cells.slice(0, c.address)) === unit);
  const layout = parent ?? GUESSES.find(fits);
  if (!layout) {
    throw sink.fail(
      { line: reg.line },
      `cannot tell #address-cells/#size-cells for a reg of ${cells.length} cells; state them in the parent node`,
    );
  }
  const step = layout.address + layout.size;
  if (layout.size === 0 || cells.length % step !== 0) {
    throw sink.fail(
      { line: reg.line },
      `reg has ${cells.length} cells, not whole (address ${layout.address}, size ${layout.size}) pairs`,
    );
  }
  const out: [bigint, bigint][] = [];
  for (let i = 0; i < cells.length; i += step) {
    out.push([join(cells.slice(i, i + layout.address)), join(cells.slice(i + layout.address, i + step))]);
  }
  return out;
}

function stringProp(node: DtNode, name: string): string | undefined {
  const value = node.props.get(name)?.values[0];
  return value?.type === 'string' ? value.text : undefined;
}

function isMemoryNode(node: DtNode): boolean {
  return (
    node.name === 'memory' || node.name.startsWith('memory@') || stringProp(node, 'device_type') === 'memory'
  );
}

function addReg(
  sink: RegionSink,
  node: DtNode,
  parent: Cells | undefined,
  kind: RegionKind,
  raw: string,
): void {
  const reg = node.props.get('reg');
  if (!reg) return;
  for (const [address, size] of regPairs(node, reg, parent, sink)) {
    sink.add({ line: reg.line }, address, address + size, kind, raw);
  }
}

/** `reserved-memory` children: fixed regions (`reg`) are reserved; `no-map`, `reusable` are kept as the raw type. */
function addReservedMemory(sink: RegionSink, node: DtNode): void {
  const cells = statedCells(node, sink);
  for (const child of node.children) {
    if (stringProp(child, 'status') === 'disabled') continue;
    const raw = child.props.has('no-map') ? 'no-map' : child.props.has('reusable') ? 'reusable' : 'reserved';
    addReg(sink, child, cells, 'reserved', raw);
  }
}

/**
 * Finds memory and reserved-memory nodes. Cell counts are not inherited (the spec says so):
 * a node's `reg` is read with its parent's own `#address-cells` / `#size-cells`.
 */
function walk(sink: RegionSink, node: DtNode): boolean {
  const cells = statedCells(node, sink);
  let found = false;
  for (const child of node.children) {
    if (stringProp(child, 'status') === 'disabled') continue;
    if (isMemoryNode(child)) {
      addReg(sink, child, cells, 'usable', 'memory');
      found = true;
    } else if (child.name === 'reserved-memory') {
      addReservedMemory(sink, child);
    } else {
      found = walk(sink, child) || found;
    }
  }
  return found;
}

/**
 * Device-tree source: `/memory` nodes (`device_type = "memory"`) give usable RAM from
 * `reg`; `reserved-memory` children with `reg` (with or without `no-map`) and
 * `/memreserve/` entries are reserved. Regions a driver allocates dynamically (`size`
 * without `reg`) are not fixed and so not in the map. A snippet that is only the body of a
 * memory node (`reg = <…>;`) is read as one.
 */
export function parseDevicetree(src: string): BootMap {
  const sink = new RegionSink('devicetree');
  const doc = readDts(src, sink);
  const found = walk(sink, doc.top);
  if (!found && doc.top.props.has('reg')) addReg(sink, doc.top, undefined, 'usable', 'memory');
  for (const r of doc.memreserve) {
    const address = numberValue(sink, { line: r.line }, r.address);
    const size = numberValue(sink, { line: r.line }, r.size);
    sink.add({ line: r.line }, address, address + size, 'reserved', 'memreserve');
  }
  return sink.finish();
}

/** True when the text looks like device-tree source with memory in it. */
export function looksLikeDevicetree(text: string): boolean {
  return (
    /\breg\s*=\s*</.test(text) || /\/memreserve\//.test(text) || /\bmemory(@[0-9a-fA-F]+)?\s*\{/.test(text)
  );
}
