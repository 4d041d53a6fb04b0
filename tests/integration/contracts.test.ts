// The Solidity ports against the published Vyper build, on a real anvil chain.
import { Interface, id } from 'ethers';
import { compileContracts, loadVyperSimpleBuild } from '../../contracts/compile';
import { startAnvil, type AnvilInstance } from '../../devnet/anvil';
import { ANVIL_ACCOUNTS, latestBlock, sendAndWait, txParams, type Receipt, type TxRequest } from '../../devnet/chain';
import { deployTesseract, type Deployment } from '../../devnet/devnet';
import { vyperStateSlot } from '../../devnet/driver';
import { TxState, ZERO_BYTES32 } from '../../devnet/model';
import { rollupAddress } from '../../devnet/rollups';
import { JsonRpc } from '../../devnet/rpc';

const OWNER = ANVIL_ACCOUNTS[0];
const OPERATOR = ANVIL_ACCOUNTS[1];
const STRANGER = ANVIL_ACCOUNTS[2];
const ORIGIN = rollupAddress('optimism');
const TARGET = rollupAddress('arbitrum');

const vyper = loadVyperSimpleBuild();
const solidity = compileContracts();
const simpleIface = new Interface(vyper.abi);
const bufferIface = new Interface(solidity.TesseractBuffer.abi);

function txId(label: string): string {
  return id(`contracts.test:${label}`);
}

/** Every fragment in ethers' full human-readable form, sorted: names, types, indexed, returns, mutability. */
function abiSignature(iface: Interface): string[] {
  return iface.fragments.map((f) => f.format('full')).sort();
}

/** Mines one block at `time` with the given transactions in order (automine must be off). */
async function mineBlock(rpc: JsonRpc, time: number, requests: TxRequest[]): Promise<Receipt[]> {
  const hashes = await rpc.batch<string>(
    requests.map((r) => ({ method: 'eth_sendTransaction', params: [txParams(r)] }))
  );
  await rpc.call('evm_setNextBlockTimestamp', [time]);
  await rpc.call('evm_mine');
  const receipts = await rpc.batch<Receipt>(hashes.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })));
  expect(receipts.map((r) => r.transactionHash)).toEqual(hashes);
  return receipts;
}

/** Revert data of an eth_call, or '0x' when it succeeds. */
async function callRevertData(rpc: JsonRpc, request: TxRequest): Promise<string> {
  try {
    await rpc.call('eth_call', [txParams(request), 'latest']);
    return '0x';
  } catch (error) {
    return String((error as { data?: unknown }).data);
  }
}

function errorData(reason: string): string {
  return new Interface(['error Error(string)']).encodeErrorResult('Error', [reason]);
}

async function readState(rpc: JsonRpc, iface: Interface, contract: string, tx: string): Promise<number> {
  const data = iface.encodeFunctionData('get_transaction_state', [tx]);
  const result = await rpc.call<string>('eth_call', [{ to: contract, data }, 'latest']);
  return Number(iface.decodeFunctionResult('get_transaction_state', result)[0]);
}

describe('TesseractSimple port vs the Vyper build', () => {
  let anvil: AnvilInstance;
  let rpc: JsonRpc;
  let ported: Deployment;
  let original: Deployment;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31337 });
    rpc = new JsonRpc(anvil.rpcUrl);
    original = await deployTesseract({ name: 'vyper', chainId: 31337, abi: 'simple', build: 'vyper' }, anvil.rpcUrl);
    ported = await deployTesseract({ name: 'port', chainId: 31337, abi: 'simple', build: 'solidity' }, anvil.rpcUrl);
    await rpc.call('evm_setAutomine', [false]);
  });

  afterAll(async () => {
    await anvil?.stop();
  });

  const both = () => [original, ported];
  const call = (d: Deployment, from: string, fn: string, args: unknown[]): TxRequest => ({
    from,
    to: d.contract,
    data: simpleIface.encodeFunctionData(fn, args),
    gas: 1_000_000,
  });

  /** Sends the same call to both contracts in one block; returns [vyper receipt, port receipt]. */
  async function sameBlock(
    time: number,
    calls: Array<[string, string, unknown[]]>
  ): Promise<Array<[Receipt, Receipt]>> {
    const requests = calls.flatMap(([from, fn, args]) => both().map((d) => call(d, from, fn, args)));
    const receipts = await mineBlock(rpc, time, requests);
    return calls.map((_, i) => [receipts[2 * i], receipts[2 * i + 1]]);
  }

  function expectSameLogs([fromVyper, fromPort]: [Receipt, Receipt], expectedNames: string[]): void {
    expect(fromPort.status).toBe(fromVyper.status);
    const strip = (r: Receipt) => r.logs.map((log) => ({ topics: log.topics, data: log.data }));
    expect(strip(fromPort)).toEqual(strip(fromVyper));
    expect(fromPort.logs.map((log) => simpleIface.parseLog(log)?.name)).toEqual(expectedNames);
  }

  async function expectSameState(tx: string, expected: number): Promise<void> {
    expect(await readState(rpc, simpleIface, original.contract, tx)).toBe(expected);
    expect(await readState(rpc, simpleIface, ported.contract, tx)).toBe(expected);
  }

  async function prime(tx: string): Promise<void> {
    await rpc.call('anvil_setStorageAt', [original.contract, vyperStateSlot(tx), `0x${'0'.repeat(63)}1`]);
  }

  test('has exactly the Vyper ABI (selectors, topic0, return types)', () => {
    expect(abiSignature(new Interface(solidity.TesseractSimple.abi))).toEqual(abiSignature(simpleIface));
  });

  test('the unprimed Vyper build refuses fresh ids; the port accepts them', async () => {
    const fresh = txId('fresh');
    const args = [fresh, ORIGIN, TARGET, '0x1234', ZERO_BYTES32, (await latestBlock(rpc)).timestamp + 100];
    expect(await callRevertData(rpc, call(original, OPERATOR, 'buffer_transaction', args))).toBe(
      errorData('Transaction already exists')
    );
    expect(await callRevertData(rpc, call(ported, OPERATOR, 'buffer_transaction', args))).toBe('0x');
  });

  test('identical logs, states and reverts for the same call sequence', async () => {
    const [a, b, c, unknown] = ['a', 'b', 'c', 'unknown'].map(txId);
    for (const tx of [a, b, c]) {
      await prime(tx);
    }
    const t0 = (await latestBlock(rpc)).timestamp + 10;

    // Buffer: A, B depending on A, C.
    const buffered = await sameBlock(t0, [
      [OPERATOR, 'buffer_transaction', [a, ORIGIN, TARGET, '0xaa01', ZERO_BYTES32, t0 + 2]],
      [OPERATOR, 'buffer_transaction', [b, TARGET, ORIGIN, '0xbb0202', a, t0 + 2]],
      [OPERATOR, 'buffer_transaction', [c, ORIGIN, TARGET, '0x', ZERO_BYTES32, t0 + 1]],
    ]);
    buffered.forEach((pair) => expectSameLogs(pair, ['TransactionBuffered']));
    await expectSameState(a, TxState.BUFFERED);

    // Too early for A's timestamp: logged failure, no revert.
    expectSameLogs((await sameBlock(t0 + 1, [[OPERATOR, 'resolve_dependency', [a]]]))[0], ['TransactionFailed']);

    // B before its dependency fails; then A and B become ready.
    const resolved = await sameBlock(t0 + 5, [
      [OPERATOR, 'resolve_dependency', [b]],
      [OPERATOR, 'resolve_dependency', [a]],
      [OPERATOR, 'resolve_dependency', [b]],
    ]);
    expectSameLogs(resolved[0], ['TransactionFailed']);
    expect(simpleIface.parseLog(resolved[0][1].logs[0])?.args.reason).toBe('Dependencies not satisfied');
    expectSameLogs(resolved[1], ['TransactionReady']);
    expectSameLogs(resolved[2], ['TransactionReady']);
    await expectSameState(b, TxState.READY);

    // Executing A works; executing C (not ready) reverts on both with the same reason.
    expect(await callRevertData(rpc, call(original, OPERATOR, 'mark_executed', [c]))).toBe(
      errorData('Transaction not ready')
    );
    expect(await callRevertData(rpc, call(ported, OPERATOR, 'mark_executed', [c]))).toBe(
      errorData('Transaction not ready')
    );
    const executed = await sameBlock(t0 + 6, [
      [OPERATOR, 'mark_executed', [a]],
      [OPERATOR, 'mark_executed', [c]],
    ]);
    expectSameLogs(executed[0], []);
    expect(executed[1].map((r) => r.status)).toEqual(['0x0', '0x0']);
    await expectSameState(a, TxState.EXECUTED);

    // Past C's timestamp + 30 s: "Transaction expired", logged, state unchanged.
    const expired = await sameBlock(t0 + 40, [[OPERATOR, 'resolve_dependency', [c]]]);
    expectSameLogs(expired[0], ['TransactionFailed']);
    expect(simpleIface.parseLog(expired[0][1].logs[0])?.args.reason).toBe('Transaction expired');
    await expectSameState(c, TxState.BUFFERED);

    // Unknown ids read 0 and cannot be resolved; duplicates and strangers are refused alike.
    await expectSameState(unknown, TxState.UNKNOWN);
    const refusals: Array<[string, string, unknown[], string]> = [
      [OPERATOR, 'resolve_dependency', [unknown], 'Transaction not in buffered state'],
      [OPERATOR, 'buffer_transaction', [a, ORIGIN, TARGET, '0x', ZERO_BYTES32, t0 + 100], 'Transaction already exists'],
      [
        OPERATOR,
        'buffer_transaction',
        [unknown, ORIGIN, ORIGIN, '0x', ZERO_BYTES32, t0 + 100],
        'Origin and target must be different',
      ],
      [STRANGER, 'resolve_dependency', [b], 'Not authorized'],
      [STRANGER, 'add_operator', [STRANGER], 'Only owner can add operators'],
      [OWNER, 'set_coordination_window', [4], 'Window must be between 5 and 300 seconds'],
    ];
    for (const [from, fn, args, reason] of refusals) {
      for (const d of both()) {
        expect(await callRevertData(rpc, call(d, from, fn, args))).toBe(errorData(reason));
      }
    }

    // Views return byte-identical data.
    const views: Array<[string, unknown[]]> = [
      ['get_transaction_details', [b]],
      ['transactions', [b]],
      ['is_transaction_ready', [b]],
      ['transaction_count', []],
      ['coordination_window', []],
      ['owner', []],
      ['authorized_operators', [OPERATOR]],
    ];
    for (const [fn, args] of views) {
      const data = simpleIface.encodeFunctionData(fn, args);
      const [fromVyper, fromPort] = await rpc.batch<string>(
        both().map((d) => ({ method: 'eth_call', params: [{ to: d.contract, data }, 'latest'] }))
      );
      expect({ fn, result: fromPort }).toEqual({ fn, result: fromVyper });
    }
    expect(
      Number(
        await rpc.call('eth_call', [
          { to: ported.contract, data: simpleIface.encodeFunctionData('transaction_count') },
          'latest',
        ])
      )
    ).toBe(3);
  });
});

describe('TesseractBuffer port', () => {
  let anvil: AnvilInstance;
  let rpc: JsonRpc;
  let deployment: Deployment;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31338 });
    rpc = new JsonRpc(anvil.rpcUrl);
    deployment = await deployTesseract(
      { name: 'buffer', chainId: 31338, abi: 'buffer', build: 'solidity' },
      anvil.rpcUrl
    );
  });

  afterAll(async () => {
    await anvil?.stop();
  });

  const request = (fn: string, args: unknown[], from: string = OPERATOR): TxRequest => ({
    from,
    to: deployment.contract,
    data: bufferIface.encodeFunctionData(fn, args),
    gas: 1_000_000,
  });
  const send = (fn: string, args: unknown[], from: string = OPERATOR) => sendAndWait(rpc, request(fn, args, from));
  const view = async (fn: string, args: unknown[] = []) => {
    const result = await rpc.call<string>('eth_call', [
      { to: deployment.contract, data: bufferIface.encodeFunctionData(fn, args) },
      'latest',
    ]);
    return bufferIface.decodeFunctionResult(fn, result)[0];
  };
  const now = async () => (await latestBlock(rpc)).timestamp;

  test('event signatures differ from Simple (topic0 must come from the deployed ABI)', () => {
    for (const name of ['TransactionBuffered', 'TransactionReady', 'TransactionFailed']) {
      expect(bufferIface.getEvent(name)!.topicHash).not.toBe(simpleIface.getEvent(name)!.topicHash);
    }
    expect(bufferIface.getEvent('TransactionFailed')!.format('sighash')).toBe(
      'TransactionFailed(bytes32,string,uint256)'
    );
    expect(bufferIface.getEvent('EmergencyPause')!.format('sighash')).toBe('EmergencyPause(address,uint256)');
  });

  test('lifecycle states are Vyper flags; failures revert and never reach the logs', async () => {
    const [ready, late, orphan, dependent] = ['ready', 'late', 'orphan', 'dependent'].map(txId);
    const t = (await now()) + 2;
    for (const tx of [ready, late]) {
      const receipt = await send('buffer_transaction', [tx, ORIGIN, TARGET, '0x01', ZERO_BYTES32, t]);
      expect(receipt.status).toBe('0x1');
      const log = bufferIface.parseLog(receipt.logs[0])!;
      expect(log.name).toBe('TransactionBuffered');
      expect(log.args.dependency_tx_id).toBe(ZERO_BYTES32);
    }
    await send('buffer_transaction', [dependent, ORIGIN, TARGET, '0x02', orphan, t]);
    expect(Number(await view('get_transaction_state', [ready]))).toBe(TxState.BUFFERED);
    expect(Number(await view('transaction_count'))).toBe(3);

    await rpc.call('evm_increaseTime', [5]);
    const readyReceipt = await send('resolve_dependency', [ready]);
    const readyLog = bufferIface.parseLog(readyReceipt.logs[0])!;
    expect(readyLog.name).toBe('TransactionReady');
    expect(Number(readyLog.args.resolved_at)).toBe(await now());
    expect(Number(await view('get_transaction_state', [ready]))).toBe(TxState.READY);
    expect((await send('mark_transaction_executed', [ready])).status).toBe('0x1');
    expect(Number(await view('get_transaction_state', [ready]))).toBe(TxState.EXECUTED);
    const details = await view('get_transaction', [ready]);
    expect([details.origin_rollup, details.target_rollup, Number(details.state), details.creator]).toEqual([
      ORIGIN,
      TARGET,
      TxState.EXECUTED,
      OPERATOR,
    ]);
    expect(Number(details.expiry)).toBe(t + 30);

    // Dependency never buffered: logged TransactionFailed is reverted away.
    expect(await callRevertData(rpc, request('resolve_dependency', [dependent]))).toBe(
      errorData('Dependencies not satisfied or timing invalid')
    );
    expect((await send('resolve_dependency', [dependent])).status).toBe('0x0');

    // Past the window: the revert also undoes the EXPIRED state, so the tx stays BUFFERED.
    await rpc.call('evm_increaseTime', [60]);
    await rpc.call('evm_mine');
    expect(await callRevertData(rpc, request('resolve_dependency', [late]))).toBe(errorData('Transaction expired'));
    const expired = await send('resolve_dependency', [late]);
    expect(expired.status).toBe('0x0');
    expect(expired.logs).toEqual([]);
    expect(Number(await view('get_transaction_state', [late]))).toBe(TxState.BUFFERED);
    expect(Number(await view('get_transaction_state', [txId('never')]))).toBe(TxState.UNKNOWN);
    expect(await view('circuit_breaker_active')).toBe(false);

    const failedLogs = await rpc.call<unknown[]>('eth_getLogs', [
      {
        address: deployment.contract,
        fromBlock: '0x0',
        toBlock: 'latest',
        topics: [bufferIface.getEvent('TransactionFailed')!.topicHash],
      },
    ]);
    expect(failedLogs).toEqual([]);
  });

  test('resolution within two blocks of buffering is refused (flash-loan protection)', async () => {
    const tx = txId('too-soon');
    const buffered = await send('buffer_transaction', [tx, ORIGIN, TARGET, '0x03', ZERO_BYTES32, (await now()) + 5]);
    expect(buffered.status).toBe('0x1');
    expect(await callRevertData(rpc, request('resolve_dependency', [tx]))).toBe(
      errorData('Resolution too soon - flash loan protection')
    );
  });

  test('emergency pause and unpause', async () => {
    const pauseReceipt = await send('emergency_pause', [], OWNER);
    const pauseLog = bufferIface.parseLog(pauseReceipt.logs[0])!;
    expect(pauseLog.name).toBe('EmergencyPause');
    expect(pauseLog.args.caller).toBe(OWNER);
    expect(Number(pauseLog.args.paused_at)).toBe(await now());
    expect(await view('paused')).toBe(true);
    expect(
      await callRevertData(
        rpc,
        request('buffer_transaction', [txId('paused'), ORIGIN, TARGET, '0x04', ZERO_BYTES32, (await now()) + 5])
      )
    ).toBe(errorData('Contract is paused'));
    expect(await callRevertData(rpc, request('emergency_unpause', [], OPERATOR))).toBe(
      errorData('AccessControl: caller is not owner')
    );
    const unpauseLog = bufferIface.parseLog((await send('emergency_unpause', [], OWNER)).logs[0])!;
    expect(unpauseLog.name).toBe('EmergencyUnpause');
    expect(await view('paused')).toBe(false);
  });

  test('at most 10 buffers per sender per block', async () => {
    await rpc.call('evm_setAutomine', [false]);
    try {
      const t = (await now()) + 5;
      const requests = Array.from({ length: 11 }, (_, i) =>
        request('buffer_transaction', [txId(`rate-${i}`), ORIGIN, TARGET, '0x05', ZERO_BYTES32, t])
      );
      const receipts = await mineBlock(rpc, t - 2, requests);
      expect(receipts.map((r) => r.status)).toEqual([...Array(10).fill('0x1'), '0x0']);
    } finally {
      await rpc.call('evm_setAutomine', [true]);
    }
  });

  test('only role holders may buffer', async () => {
    expect(
      await callRevertData(
        rpc,
        request(
          'buffer_transaction',
          [txId('stranger'), ORIGIN, TARGET, '0x06', ZERO_BYTES32, (await now()) + 5],
          STRANGER
        )
      )
    ).toBe(errorData('AccessControl: account missing role'));
    expect(await view('has_role', [id('BUFFER_ROLE'), OPERATOR])).toBe(true);
  });
});
