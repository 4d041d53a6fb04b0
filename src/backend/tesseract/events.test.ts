/** @jest-environment node */
import { getAddress, hexlify, Interface, randomBytes } from 'ethers';
import { TESSERACT_BUFFER_ABI, TESSERACT_SIMPLE_ABI, type AbiItem } from '../../query';
import { decodeState, TesseractContract } from './contract';
import { EventDecoders, EventKind, type LogInput } from './events';
import { packTxId, unpackWord } from './hex';

const txId = () => hexlify(randomBytes(32));
const address = () => getAddress(hexlify(randomBytes(20)));

function logOf(
  abi: readonly AbiItem[],
  name: string,
  args: unknown[],
  at = { block: 7, index: 3, time: 1_700_000_000 }
): LogInput {
  const encoded = new Interface(abi as never).encodeEventLog(name, args);
  return {
    blockNumber: at.block,
    logIndex: at.index,
    timestamp: at.time,
    transactionHash: txId(),
    topics: encoded.topics,
    data: encoded.data,
  };
}

describe('event decoding', () => {
  const simple = new EventDecoders(TESSERACT_SIMPLE_ABI);
  const buffer = new EventDecoders(TESSERACT_BUFFER_ABI);

  it('decodes every Simple event by direct word reads', () => {
    expect(simple.decoders.every((decoder) => decoder.fast)).toBe(true);
    const [id, origin, target] = [txId(), address(), address()];
    const log = logOf(TESSERACT_SIMPLE_ABI, 'TransactionBuffered', [id, origin, target, 1_700_000_060]);
    const event = simple.decode(log)!;
    expect(event.kind).toBe(EventKind.Buffered);
    expect(event.name).toBe('TransactionBuffered');
    expect(unpackWord(event.txId!)).toBe(id);
    expect(unpackWord(event.txHash)).toBe(log.transactionHash);
    expect([event.origin, event.target, event.at, event.dependency]).toEqual([origin, target, 1_700_000_060, null]);
    expect([event.blockNumber, event.logIndex, event.timestamp]).toEqual([7, 3, 1_700_000_000]);

    const failed = simple.decode(logOf(TESSERACT_SIMPLE_ABI, 'TransactionFailed', [id, 'Transaction expired ✓']))!;
    expect([failed.kind, failed.reason, unpackWord(failed.txId!)]).toEqual([
      EventKind.Failed,
      'Transaction expired ✓',
      id,
    ]);
    expect(simple.decode(logOf(TESSERACT_SIMPLE_ABI, 'TransactionReady', [id]))!.kind).toBe(EventKind.Ready);
  });

  it('decodes the Buffer layouts (dependency, resolved_at, reason before failed_at, pauses)', () => {
    const [id, dependency, origin, target, caller] = [txId(), txId(), address(), address(), address()];
    const buffered = buffer.decode(
      logOf(TESSERACT_BUFFER_ABI, 'TransactionBuffered', [id, origin, target, dependency, 99])
    )!;
    expect([unpackWord(buffered.dependency!), buffered.at, buffered.origin]).toEqual([dependency, 99, origin]);
    const failed = buffer.decode(
      logOf(TESSERACT_BUFFER_ABI, 'TransactionFailed', [id, 'Dependencies not satisfied', 1234])
    )!;
    expect([failed.reason, failed.at]).toEqual(['Dependencies not satisfied', 1234]);
    expect(buffer.decode(logOf(TESSERACT_BUFFER_ABI, 'TransactionReady', [id, 55]))!.at).toBe(55);
    const pause = buffer.decode(logOf(TESSERACT_BUFFER_ABI, 'EmergencyPause', [caller, 77]))!;
    expect([pause.kind, pause.account, pause.at, pause.txId]).toEqual([EventKind.Pause, caller, 77, null]);
    const role = buffer.decode(logOf(TESSERACT_BUFFER_ABI, 'RoleGranted', [txId(), caller, caller]))!;
    expect([role.kind, role.name, role.account]).toEqual([EventKind.Other, 'RoleGranted', caller]);
  });

  it('stores a zero dependency as null and interns repeated addresses and reasons', () => {
    const origin = address();
    const a = buffer.decode(
      logOf(TESSERACT_BUFFER_ABI, 'TransactionBuffered', [txId(), origin, address(), '0x' + '00'.repeat(32), 1])
    )!;
    const b = buffer.decode(
      logOf(TESSERACT_BUFFER_ABI, 'TransactionBuffered', [txId(), origin, address(), '0x' + '00'.repeat(32), 1])
    )!;
    expect(a.dependency).toBeNull();
    expect(a.origin).toBe(b.origin);
  });

  it('uses topic0s of the ABI variant: the variants differ', () => {
    const [simpleBuffered] = simple.topic0s;
    expect(buffer.topic0s).not.toContain(simpleBuffered);
    expect(simple.decode(logOf(TESSERACT_BUFFER_ABI, 'TransactionReady', [txId(), 1]))).toBeNull();
  });

  it('rejects logs whose shape does not match the ABI instead of misreading them', () => {
    const log = logOf(TESSERACT_SIMPLE_ABI, 'TransactionBuffered', [txId(), address(), address(), 5]);
    expect(simple.decode({ ...log, data: '0x' })).toBeNull();
    expect(simple.decode({ ...log, topics: log.topics.slice(0, 2) })).toBeNull();
    const failed = logOf(TESSERACT_SIMPLE_ABI, 'TransactionFailed', [txId(), 'x']);
    expect(simple.decode({ ...failed, data: failed.data.slice(0, 130) })).toBeNull();
  });

  it('falls back to ethers for custom layouts it cannot read directly, with the same roles', () => {
    const custom: AbiItem[] = [
      ...TESSERACT_SIMPLE_ABI.filter((item) => item.name !== 'TransactionFailed'),
      {
        type: 'event',
        name: 'TransactionFailed',
        anonymous: false,
        inputs: [
          { name: 'tx_id', type: 'bytes32', indexed: true },
          { name: 'codes', type: 'uint256[]', indexed: false },
          { name: 'reason', type: 'string', indexed: false },
        ],
      },
    ];
    const decoders = new EventDecoders(custom);
    const failedDecoder = decoders.decoders.find((d) => d.name === 'TransactionFailed')!;
    expect(failedDecoder.fast).toBe(false);
    const id = txId();
    const event = decoders.decode(logOf(custom, 'TransactionFailed', [id, [1, 2], 'custom reason']))!;
    expect([event.kind, event.reason, unpackWord(event.txId!)]).toEqual([EventKind.Failed, 'custom reason', id]);
  });

  it('agrees with ethers on 200 random logs of each variant', () => {
    for (const [abi, decoders] of [
      [TESSERACT_SIMPLE_ABI, simple],
      [TESSERACT_BUFFER_ABI, buffer],
    ] as const) {
      const iface = new Interface(abi as never);
      for (let i = 0; i < 200; i++) {
        const id = txId();
        const reason = `reason ${i} ${'x'.repeat(i % 70)}`;
        const log =
          abi === TESSERACT_SIMPLE_ABI
            ? logOf(abi, 'TransactionFailed', [id, reason])
            : logOf(abi, 'TransactionFailed', [id, reason, i]);
        const parsed = iface.parseLog(log)!;
        const event = decoders.decode(log)!;
        expect(unpackWord(event.txId!)).toBe(parsed.args.tx_id);
        expect(event.reason).toBe(parsed.args.reason);
      }
    }
  });
});

describe('transaction states', () => {
  it('decodes Vyper flag enums per variant, 0 as UNKNOWN', () => {
    expect(decodeState('simple', 0n).name).toBe('UNKNOWN');
    expect(['simple', 'buffer'].map((v) => decodeState(v as 'simple', 2n).name)).toEqual(['BUFFERED', 'BUFFERED']);
    expect(decodeState('simple', 8n).name).toBe('EXECUTED');
    expect(decodeState('simple', 16n).name).toBe('INVALID(16)');
    expect(decodeState('buffer', 16n).name).toBe('FAILED');
    expect(decodeState('buffer', 64n).name).toBe('REFUNDED');
    expect(decodeState('buffer', 3n).name).toBe('INVALID(3)');
    expect(decodeState('buffer', 32n).name).toBe('EXPIRED');
  });

  it('knows which monitoring functions each ABI has', () => {
    const simple = TesseractContract.fromSettings('simple');
    const buffer = TesseractContract.fromSettings('buffer');
    expect(simple.hasFunction('paused')).toBe(false);
    expect(buffer.hasFunction('paused')).toBe(true);
    expect(buffer.hasFunction('circuit_breaker_active')).toBe(true);
    expect(() => TesseractContract.fromSettings('custom', '[]')).toThrow(/lacks the Tesseract event/);
  });

  it('packs tx ids typed in any case to the decoder form', () => {
    const id = txId();
    expect(packTxId(id.toUpperCase().replace('0X', '0x'))).toBe(packTxId(id));
    expect(unpackWord(packTxId(id))).toBe(id);
  });
});
