// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// Port of the monitoring surface of cryptuon/tesseract contracts/TesseractBuffer.vy (Vyper 0.3.10):
/// events, roles, pause, circuit breaker, rate limits, buffer / resolve / execute. The commit-reveal,
/// swap-group and refund paths are left out. Like the original, resolve_dependency logs
/// TransactionFailed and then reverts, so those failures never reach the logs. Unlike the original
/// it accepts fresh tx_ids (stored state 0 counts as EMPTY).
contract TesseractBuffer {
    // Vyper enum TransactionState: bit flags on the wire.
    uint256 internal constant STATE_EMPTY = 1;
    uint256 internal constant STATE_BUFFERED = 2;
    uint256 internal constant STATE_READY = 4;
    uint256 internal constant STATE_EXECUTED = 8;
    uint256 internal constant STATE_FAILED = 16;
    uint256 internal constant STATE_EXPIRED = 32;
    uint256 internal constant STATE_REFUNDED = 64;

    bytes32 internal constant BUFFER_ROLE = keccak256("BUFFER_ROLE");
    bytes32 internal constant RESOLVE_ROLE = keccak256("RESOLVE_ROLE");
    bytes32 internal constant ADMIN_ROLE = keccak256("ADMIN_ROLE");

    uint256 internal constant MAX_TRANSACTIONS_PER_BLOCK = 100;
    uint256 internal constant MAX_USER_TRANSACTIONS_PER_BLOCK = 10;
    uint256 internal constant MAX_PAYLOAD_SIZE = 2048;
    uint256 internal constant MAX_FUTURE_TIMESTAMP = 86400;
    uint256 internal constant DEFAULT_COORDINATION_WINDOW = 30;
    uint256 internal constant RESET_COOLDOWN = 3600;
    uint256 internal constant MIN_RESOLUTION_DELAY = 2;

    struct BufferedTransaction {
        address origin_rollup;
        address target_rollup;
        bytes payload;
        bytes32 dependency_tx_id;
        uint256 timestamp;
        uint256 state;
        uint256 expiry;
        uint256 confirmations;
        bytes32 commitment_hash;
        uint256 reveal_deadline;
        address creator;
        address refund_recipient;
        bytes32 swap_group_id;
        uint256 creation_block;
    }

    event TransactionBuffered(
        bytes32 indexed tx_id,
        address indexed origin_rollup,
        address indexed target_rollup,
        bytes32 dependency_tx_id,
        uint256 timestamp
    );
    event TransactionReady(bytes32 indexed tx_id, uint256 resolved_at);
    event TransactionFailed(bytes32 indexed tx_id, string reason, uint256 failed_at);
    event EmergencyPause(address indexed caller, uint256 paused_at);
    event EmergencyUnpause(address indexed caller, uint256 unpaused_at);
    event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender);
    event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender);

    address public owner;
    address public emergency_admin;
    bool public paused;

    mapping(bytes32 => mapping(address => bool)) internal roles;
    mapping(bytes32 => BufferedTransaction) internal stored;
    uint256 public transaction_count;

    mapping(uint256 => uint256) internal transactions_per_block;
    mapping(address => mapping(uint256 => uint256)) internal user_transactions_per_block;

    uint256 internal failed_transactions;
    uint256 public circuit_breaker_threshold;
    bool public circuit_breaker_active;
    uint256 internal last_reset_time;

    uint256 public coordination_window;
    uint256 public max_payload_size;

    constructor() {
        owner = msg.sender;
        emergency_admin = msg.sender;
        coordination_window = DEFAULT_COORDINATION_WINDOW;
        max_payload_size = MAX_PAYLOAD_SIZE;
        circuit_breaker_threshold = 50;
        last_reset_time = block.timestamp;
        roles[ADMIN_ROLE][msg.sender] = true;
        emit RoleGranted(ADMIN_ROLE, msg.sender, msg.sender);
    }

    function _only_owner() internal view {
        require(msg.sender == owner, "AccessControl: caller is not owner");
    }

    function _check_role(bytes32 role) internal view {
        require(roles[role][msg.sender], "AccessControl: account missing role");
    }

    function _check_open() internal view {
        require(!paused, "Contract is paused");
        require(!circuit_breaker_active, "Circuit breaker active");
    }

    function _check_rate_limits() internal {
        require(transactions_per_block[block.number] < MAX_TRANSACTIONS_PER_BLOCK, "Block transaction limit exceeded");
        require(
            user_transactions_per_block[msg.sender][block.number] < MAX_USER_TRANSACTIONS_PER_BLOCK,
            "User transaction limit exceeded"
        );
        transactions_per_block[block.number] += 1;
        user_transactions_per_block[msg.sender][block.number] += 1;
    }

    /// The original records the failure, logs it and raises: the revert discards all of it.
    function _fail(bytes32 tx_id, string memory reason) internal {
        failed_transactions += 1;
        emit TransactionFailed(tx_id, reason, block.timestamp);
        if (failed_transactions >= circuit_breaker_threshold) {
            circuit_breaker_active = true;
        }
        revert(reason);
    }

    function grant_role(bytes32 role, address account) external {
        _only_owner();
        roles[role][account] = true;
        emit RoleGranted(role, account, msg.sender);
    }

    function revoke_role(bytes32 role, address account) external {
        _only_owner();
        roles[role][account] = false;
        emit RoleRevoked(role, account, msg.sender);
    }

    function has_role(bytes32 role, address account) external view returns (bool) {
        return roles[role][account];
    }

    function buffer_transaction(
        bytes32 tx_id,
        address origin_rollup,
        address target_rollup,
        bytes calldata payload,
        bytes32 dependency_tx_id,
        uint256 timestamp
    ) external {
        require(payload.length <= MAX_PAYLOAD_SIZE);
        _check_open();
        _check_role(BUFFER_ROLE);
        _check_rate_limits();

        require(tx_id != bytes32(0), "Invalid transaction ID");
        require(origin_rollup != address(0), "Invalid origin rollup");
        require(target_rollup != address(0), "Invalid target rollup");
        require(origin_rollup != target_rollup, "Origin and target cannot be same");
        require(payload.length > 0, "Empty payload not allowed");
        require(payload.length <= max_payload_size, "Payload too large");
        require(timestamp >= block.timestamp, "Timestamp cannot be in the past");
        require(timestamp <= block.timestamp + MAX_FUTURE_TIMESTAMP, "Timestamp too far in future");
        uint256 current = stored[tx_id].state;
        require(current == 0 || current == STATE_EMPTY, "Transaction already exists");

        BufferedTransaction storage entry = stored[tx_id];
        entry.origin_rollup = origin_rollup;
        entry.target_rollup = target_rollup;
        entry.payload = payload;
        entry.dependency_tx_id = dependency_tx_id;
        entry.timestamp = timestamp;
        entry.state = STATE_BUFFERED;
        entry.expiry = timestamp + coordination_window;
        entry.creator = msg.sender;
        entry.refund_recipient = msg.sender;
        entry.creation_block = block.number;

        transaction_count += 1;
        emit TransactionBuffered(tx_id, origin_rollup, target_rollup, dependency_tx_id, timestamp);
    }

    function resolve_dependency(bytes32 tx_id) external {
        _check_open();
        _check_role(RESOLVE_ROLE);

        BufferedTransaction storage entry = stored[tx_id];
        uint256 state = entry.state;
        if (state == 0 || state == STATE_EMPTY) {
            _fail(tx_id, "Transaction does not exist");
        }
        if (state != STATE_BUFFERED) {
            _fail(tx_id, "Transaction not in buffered state");
        }
        require(
            block.number >= entry.creation_block + MIN_RESOLUTION_DELAY,
            "Resolution too soon - flash loan protection"
        );

        if (block.timestamp > entry.expiry) {
            entry.state = STATE_EXPIRED;
            _fail(tx_id, "Transaction expired");
        }

        bool dependency_resolved = true;
        if (entry.dependency_tx_id != bytes32(0)) {
            uint256 dependency_state = stored[entry.dependency_tx_id].state;
            dependency_resolved = dependency_state == STATE_READY || dependency_state == STATE_EXECUTED;
        }

        if (dependency_resolved && block.timestamp >= entry.timestamp) {
            entry.state = STATE_READY;
            emit TransactionReady(tx_id, block.timestamp);
        } else {
            _fail(tx_id, "Dependencies not satisfied or timing invalid");
        }
    }

    function is_transaction_ready(bytes32 tx_id) external view returns (bool) {
        BufferedTransaction storage entry = stored[tx_id];
        return entry.state == STATE_READY && block.timestamp >= entry.timestamp;
    }

    function get_transaction(bytes32 tx_id) external view returns (BufferedTransaction memory) {
        return stored[tx_id];
    }

    function get_transaction_state(bytes32 tx_id) external view returns (uint256) {
        return stored[tx_id].state;
    }

    function mark_transaction_executed(bytes32 tx_id) external {
        _check_role(RESOLVE_ROLE);
        require(stored[tx_id].state == STATE_READY, "Transaction not ready");
        stored[tx_id].state = STATE_EXECUTED;
    }

    function emergency_pause() external {
        require(msg.sender == emergency_admin || msg.sender == owner, "Not authorized");
        paused = true;
        emit EmergencyPause(msg.sender, block.timestamp);
    }

    function emergency_unpause() external {
        _only_owner();
        paused = false;
        emit EmergencyUnpause(msg.sender, block.timestamp);
    }

    function reset_circuit_breaker() external {
        _only_owner();
        require(block.timestamp >= last_reset_time + RESET_COOLDOWN, "Cooldown not elapsed");
        circuit_breaker_active = false;
        failed_transactions = 0;
        last_reset_time = block.timestamp;
    }

    function set_coordination_window(uint256 window) external {
        _only_owner();
        require(window >= 5, "Window too short");
        require(window <= 300, "Window too long");
        coordination_window = window;
    }

    function set_max_payload_size(uint256 size) external {
        _only_owner();
        require(size >= 32, "Size too small");
        require(size <= MAX_PAYLOAD_SIZE, "Size too large");
        max_payload_size = size;
    }

    function set_circuit_breaker_threshold(uint256 threshold) external {
        _only_owner();
        require(threshold >= 10, "Threshold too low");
        circuit_breaker_threshold = threshold;
    }

    function set_emergency_admin(address admin) external {
        _only_owner();
        require(admin != address(0), "Invalid admin address");
        emergency_admin = admin;
    }

    function transfer_ownership(address new_owner) external {
        _only_owner();
        require(new_owner != address(0), "Invalid owner address");
        owner = new_owner;
    }
}
