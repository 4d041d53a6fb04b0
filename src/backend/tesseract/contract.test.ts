/** @jest-environment node */
import { Interface } from 'ethers';
import { TesseractContract } from './contract';

describe('TesseractContract.encodeCall', () => {
  const contract = TesseractContract.fromSettings('buffer');
  const reference = new Interface(contract.abi as never);

  it('encodes bytes32-only calls directly, byte for byte as ethers does, whatever the hex case', () => {
    const txId = '0x' + 'aB'.repeat(32);
    expect(contract.encodeCall('get_transaction_state', [txId])).toBe(
      reference.encodeFunctionData('get_transaction_state', [txId])
    );
  });

  it('leaves other calls to ethers, and names a function the ABI lacks', () => {
    expect(contract.encodeCall('paused')).toBe(reference.encodeFunctionData('paused', []));
    const origin = '0x00000000000000000000000000000000000a11ce';
    const args = ['0x' + '01'.repeat(32), origin, origin, '0x01', '0x' + '00'.repeat(32), 123];
    expect(contract.encodeCall('buffer_transaction', args)).toBe(
      reference.encodeFunctionData('buffer_transaction', args)
    );
    expect(() => contract.encodeCall('no_such_function')).toThrow('no_such_function');
  });
});
