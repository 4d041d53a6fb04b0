/**
 * ABIs of the two Tesseract variants, as JSON ABI. TesseractSimple is the ABI of the published Vyper
 * build (cryptuon/tesseract artifacts/TesseractSimple.json); TesseractBuffer is the monitoring
 * surface of contracts/TesseractBuffer.vy (events, views, and the calls operators make).
 * Vyper 0.3 encodes its enums as uint256 bit flags.
 */

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

export const TESSERACT_SIMPLE_ABI: readonly AbiItem[] = [
  {
    name: 'TransactionBuffered',
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
        name: 'timestamp',
        type: 'uint256',
        indexed: false,
      },
    ],
    anonymous: false,
    type: 'event',
  },
  {
    name: 'TransactionReady',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
        indexed: true,
      },
    ],
    anonymous: false,
    type: 'event',
  },
  {
    name: 'TransactionFailed',
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
    ],
    anonymous: false,
    type: 'event',
  },
  {
    stateMutability: 'nonpayable',
    type: 'function',
    name: 'add_operator',
    inputs: [
      {
        name: 'operator',
        type: 'address',
      },
    ],
    outputs: [],
  },
  {
    stateMutability: 'nonpayable',
    type: 'function',
    name: 'remove_operator',
    inputs: [
      {
        name: 'operator',
        type: 'address',
      },
    ],
    outputs: [],
  },
  {
    stateMutability: 'nonpayable',
    type: 'function',
    name: 'buffer_transaction',
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
    stateMutability: 'nonpayable',
    type: 'function',
    name: 'resolve_dependency',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
    ],
    outputs: [],
  },
  {
    stateMutability: 'view',
    type: 'function',
    name: 'is_transaction_ready',
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
    stateMutability: 'view',
    type: 'function',
    name: 'get_transaction_state',
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
    stateMutability: 'view',
    type: 'function',
    name: 'get_transaction_details',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'address',
      },
      {
        name: '',
        type: 'address',
      },
      {
        name: '',
        type: 'bytes32',
      },
      {
        name: '',
        type: 'uint256',
      },
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
  {
    stateMutability: 'nonpayable',
    type: 'function',
    name: 'mark_executed',
    inputs: [
      {
        name: 'tx_id',
        type: 'bytes32',
      },
    ],
    outputs: [],
  },
  {
    stateMutability: 'nonpayable',
    type: 'function',
    name: 'set_coordination_window',
    inputs: [
      {
        name: 'window',
        type: 'uint256',
      },
    ],
    outputs: [],
  },
  {
    stateMutability: 'view',
    type: 'function',
    name: 'owner',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'address',
      },
    ],
  },
  {
    stateMutability: 'view',
    type: 'function',
    name: 'authorized_operators',
    inputs: [
      {
        name: 'arg0',
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
    stateMutability: 'view',
    type: 'function',
    name: 'transactions',
    inputs: [
      {
        name: 'arg0',
        type: 'bytes32',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'tuple',
        components: [
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
          {
            name: 'state',
            type: 'uint256',
          },
        ],
      },
    ],
  },
  {
    stateMutability: 'view',
    type: 'function',
    name: 'transaction_count',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
  {
    stateMutability: 'view',
    type: 'function',
    name: 'coordination_window',
    inputs: [],
    outputs: [
      {
        name: '',
        type: 'uint256',
      },
    ],
  },
];

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
