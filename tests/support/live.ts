// Helpers of the Grafana Live tests (integration and browser): new events on a devnet deployment.
import { id as keccakText, Interface } from 'ethers';
import { sendAndWait } from '../../devnet/chain';
import type { Deployment } from '../../devnet/devnet';
import { rollupAddress, ROLLUP_NAMES } from '../../devnet/rollups';
import { JsonRpc, toHex } from '../../devnet/rpc';
import { TESSERACT_SIMPLE_ABI } from '../../src/query';

const iface = new Interface(TESSERACT_SIMPLE_ABI as never);
let nextId = 0;

/**
 * Buffers a new tx_id on a TesseractSimple deployment, in a block of its own (anvil automine); resolves
 * once the block is mined, with Date.now() at that moment.
 */
export async function bufferTx(rpc: JsonRpc, deployment: Deployment): Promise<{ txId: string; minedAt: number }> {
  const txId = keccakText(`live-${nextId++}-${Date.now()}-${Math.random()}`).toLowerCase();
  const latest = await rpc.call<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  // The contract wants the tx's timestamp at or after its block's: pin the block's time.
  const blockTime = Math.max(Number(latest.timestamp) + 1, Math.floor(Date.now() / 1000));
  await rpc.call('evm_setNextBlockTimestamp', [toHex(blockTime)]);
  const data = iface.encodeFunctionData('buffer_transaction', [
    txId,
    rollupAddress(ROLLUP_NAMES[0]),
    rollupAddress(ROLLUP_NAMES[1]),
    '0x01',
    '0x' + '00'.repeat(32),
    blockTime,
  ]);
  // anvil answers eth_sendTransaction just before it seals the block
  const receipt = await sendAndWait(rpc, { from: deployment.operator, to: deployment.contract, data, gas: 400_000 });
  if (receipt.status !== '0x1') {
    throw new Error(`buffer_transaction ${txId} reverted`);
  }
  return { txId, minedAt: Date.now() };
}
