// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// Port of cryptuon/tesseract contracts/TesseractSimple.vy (Vyper 0.3.10) for dev chains.
/// Same ABI, revert messages and wire values (Vyper enums are bit flags); unlike the published
/// build it accepts fresh tx_ids, whose stored state is 0 rather than EMPTY.
contract TesseractSimple {
    uint256 internal constant STATE_EMPTY = 1;
    uint256 internal constant STATE_BUFFERED = 2;
    uint256 internal constant STATE_READY = 4;
    uint256 internal constant STATE_EXECUTED = 8;
    uint256 internal constant MAX_PAYLOAD = 512;

    struct Transaction {
        address origin_rollup;
        address target_rollup;
        bytes payload;
        bytes32 dependency_tx_id;
        uint256 timestamp;
        uint256 state;
    }

    event TransactionBuffered(
        bytes32 indexed tx_id,
        address indexed origin_rollup,
        address indexed target_rollup,
        uint256 timestamp
    );
    event TransactionReady(bytes32 indexed tx_id);
    event TransactionFailed(bytes32 indexed tx_id, string reason);

    address public owner;
    mapping(address => bool) internal operators;
    mapping(bytes32 => Transaction) internal stored;
    uint256 public transaction_count;
    uint256 public coordination_window;

    constructor() {
        owner = msg.sender;
        coordination_window = 30;
        operators[msg.sender] = true;
    }

    function add_operator(address operator) external {
        require(msg.sender == owner, "Only owner can add operators");
        operators[operator] = true;
    }

    function remove_operator(address operator) external {
        require(msg.sender == owner, "Only owner can remove operators");
        operators[operator] = false;
    }

    function buffer_transaction(
        bytes32 tx_id,
        address origin_rollup,
        address target_rollup,
        bytes calldata payload,
        bytes32 dependency_tx_id,
        uint256 timestamp
    ) external {
        // Vyper rejects an over-long Bytes[512] argument while decoding, without a reason.
        require(payload.length <= MAX_PAYLOAD);
        require(operators[msg.sender], "Not authorized");
        require(tx_id != bytes32(0), "Invalid transaction ID");
        require(origin_rollup != address(0), "Invalid origin rollup");
        require(target_rollup != address(0), "Invalid target rollup");
        require(origin_rollup != target_rollup, "Origin and target must be different");
        require(timestamp >= block.timestamp, "Timestamp cannot be in the past");
        uint256 current = stored[tx_id].state;
        require(current == 0 || current == STATE_EMPTY, "Transaction already exists");

        Transaction storage entry = stored[tx_id];
        entry.origin_rollup = origin_rollup;
        entry.target_rollup = target_rollup;
        entry.payload = payload;
        entry.dependency_tx_id = dependency_tx_id;
        entry.timestamp = timestamp;
        entry.state = STATE_BUFFERED;

        transaction_count += 1;
        emit TransactionBuffered(tx_id, origin_rollup, target_rollup, timestamp);
    }

    /// Failures are logged and the call returns normally, so they do reach the logs.
    function resolve_dependency(bytes32 tx_id) external {
        require(operators[msg.sender], "Not authorized");
        Transaction storage entry = stored[tx_id];
        require(entry.state == STATE_BUFFERED, "Transaction not in buffered state");

        if (block.timestamp > entry.timestamp + coordination_window) {
            emit TransactionFailed(tx_id, "Transaction expired");
            return;
        }

        bool dependency_ready = true;
        if (entry.dependency_tx_id != bytes32(0)) {
            uint256 dependency_state = stored[entry.dependency_tx_id].state;
            dependency_ready = dependency_state == STATE_READY || dependency_state == STATE_EXECUTED;
        }

        if (dependency_ready && block.timestamp >= entry.timestamp) {
            entry.state = STATE_READY;
            emit TransactionReady(tx_id);
        } else {
            emit TransactionFailed(tx_id, "Dependencies not satisfied");
        }
    }

    function is_transaction_ready(bytes32 tx_id) external view returns (bool) {
        Transaction storage entry = stored[tx_id];
        return entry.state == STATE_READY && block.timestamp >= entry.timestamp;
    }

    function get_transaction_state(bytes32 tx_id) external view returns (uint256) {
        return stored[tx_id].state;
    }

    function get_transaction_details(bytes32 tx_id)
        external
        view
        returns (address, address, bytes32, uint256, uint256)
    {
        Transaction storage entry = stored[tx_id];
        return (entry.origin_rollup, entry.target_rollup, entry.dependency_tx_id, entry.timestamp, entry.state);
    }

    function mark_executed(bytes32 tx_id) external {
        require(operators[msg.sender], "Not authorized");
        require(stored[tx_id].state == STATE_READY, "Transaction not ready");
        stored[tx_id].state = STATE_EXECUTED;
    }

    function set_coordination_window(uint256 window) external {
        require(msg.sender == owner, "Only owner can set window");
        require(window >= 5 && window <= 300, "Window must be between 5 and 300 seconds");
        coordination_window = window;
    }

    /// Vyper's public getters: parameter named arg0, the struct returned as one tuple.
    function authorized_operators(address arg0) external view returns (bool) {
        return operators[arg0];
    }

    function transactions(bytes32 arg0) external view returns (Transaction memory) {
        return stored[arg0];
    }
}
