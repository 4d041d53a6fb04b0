/**
 * ABIs of the two Tesseract variants, as JSON ABI. TesseractSimple is the ABI of the published Vyper
 * build (cryptuon/tesseract artifacts/TesseractSimple.json), read from its copy in contracts/ so the
 * two cannot drift; TesseractBuffer is the monitoring surface of contracts/TesseractBuffer.vy
 * (events, views, and the calls operators make). Vyper 0.3 encodes its enums as uint256 bit flags.
 */
import vyperSimpleBuild from '../../contracts/TesseractSimple.vyper.json';

export interface AbiParam {
  name: string;
  type: string;
  indexed?: boolean;
  components?: AbiParam[];
}

export interface AbiItem {
  type: 'function' | 'event' | 'constructor' | 'error' | 'fallback' | 'receive';
  name?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
  stateMutability?: string;
  anonymous?: boolean;
}

/** JSON types `type` as any string; the build is Vyper's own ABI output, so its items are ABI items. */
export const TESSERACT_SIMPLE_ABI: readonly AbiItem[] = vyperSimpleBuild.abi as readonly AbiItem[];

export const TESSERACT_BUFFER_ABI: readonly AbiItem[] = [
  {
    type: 'event',
    name: 'TransactionBuffered',
    anonymous: false,
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
        indexed: true,
      },
      {
        name: 'origin_rollup',
        type: 'address',
        indexed: true,
      },
      {
        name: 'target_rollup',
        type: 'address',
        indexed: true,
      },
      {
        name: 'dependency_tx_id',
        type: 'bytes32',
        indexed: false,
      },
      {
        name: 'timestamp',
        type: 'uint256',
        indexed: false,
      },
    ],
  },
  {
    type: 'event',
    name: 'TransactionReady',
    anonymous: false,
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
        indexed: true,
      },
      {
        name: 'resolved_at',
        type: 'uint256',
        indexed: false,
      },
    ],
  },
  {
    type: 'event',
    name: 'TransactionFailed',
    anonymous: false,
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
        indexed: true,
      },
      {
        name: 'reason',
        type: 'string',
        indexed: false,
      },
      {
        name: 'failed_at',
        type: 'uint256',
        indexed: false,
      },
    ],
  },
  {
    type: 'event',
    name: 'EmergencyPause',
    anonymous: false,
    inputs: [
      {
        name: 'caller',
        type: 'address',
        indexed: true,
      },
      {
        name: 'paused_at',
        type: 'uint256',
        indexed: false,
      },
    ],
  },
  {
    type: 'event',
    name: 'EmergencyUnpause',
    anonymous: false,
    inputs: [
      {
        name: 'caller',
        type: 'address',
        indexed: true,
      },
      {
        name: 'unpaused_at',
        type: 'uint256',
        indexed: false,
      },
    ],
  },
  {
    type: 'event',
    name: 'RoleGranted',
    anonymous: false,
    inputs: [
      {
        name: 'role',
        type: 'bytes32',
        indexed: true,
      },
      {
        name: 'account',
        type: 'address',
        indexed: true,
      },
      {
        name: 'sender',
        type: 'address',
        indexed: true,
      },
    ],
  },
  {
    type: 'event',
    name: 'RoleRevoked',
    anonymous: false,
    inputs: [
      {
        name: 'role',
        type: 'bytes32',
        indexed: true,
      },
      {
        name: 'account',
        type: 'address',
        indexed: true,
      },
      {
        name: 'sender',
        type: 'address',
        indexed: true,
      },
    ],
  },
  {
    type: 'function',
    name: 'grant_role',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'role',
        type: 'bytes32',
      },
      {
        name: 'account',
        type: 'address',
      },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'revoke_role',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'role',
        type: 'bytes32',
      },
      {
        name: 'account',
        type: 'address',
      },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'has_role',
    stateMutability: 'view',
    inputs: [
      {
        name: 'role',
        type: 'bytes32',
      },
      {
        name: 'account',
        type: 'address',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'bool',
      },
    ],
  },
  {
    type: 'function',
    name: 'buffer_transaction',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
      {
        name: 'origin_rollup',
        type: 'address',
      },
      {
        name: 'target_rollup',
        type: 'address',
      },
      {
        name: 'payload',
        type: 'bytes',
      },
      {
        name: 'dependency_tx_id',
        type: 'bytes32',
      },
      {
        name: 'timestamp',
        type: 'uint256',
      },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'resolve_dependency',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'is_transaction_ready',
    stateMutability: 'view',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'bool',
      },
    ],
  },
  {
    type: 'function',
    name: 'get_transaction_state',
    stateMutability: 'view',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
  {
    type: 'function',
    name: 'mark_transaction_executed',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'emergency_pause',
    stateMutability: 'nonpayable',
    inputs: [],
    outputs: [],
  },
  {
    type: 'function',
    name: 'emergency_unpause',
    stateMutability: 'nonpayable',
    inputs: [],
    outputs: [],
  },
  {
    type: 'function',
    name: 'set_coordination_window',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'window',
        type: 'uint256',
      },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'owner',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'address',
      },
    ],
  },
  {
    type: 'function',
    name: 'emergency_admin',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'address',
      },
    ],
  },
  {
    type: 'function',
    name: 'paused',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'bool',
      },
    ],
  },
  {
    type: 'function',
    name: 'transaction_count',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
  {
    type: 'function',
    name: 'circuit_breaker_threshold',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
  {
    type: 'function',
    name: 'circuit_breaker_active',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'bool',
      },
    ],
  },
  {
    type: 'function',
    name: 'coordination_window',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
  {
    type: 'function',
    name: 'max_payload_size',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
];
