// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OrganisationStatus} from "./AllianceTypes.sol";
import {IAllianceGated} from "./IAllianceGated.sol";

/// @notice Where a member node stands with the network's nodes allowlist.
enum NodeStatus {
    None, // never proposed
    Proposed, // an organisation's admin proposed it; a regulator decides
    Approved, // allowlisted while its organisation is Active
    Rejected, // a regulator refused the proposal; it may be proposed again
    Removed // withdrawn by its organisation's admin or removed by a regulator; it may be proposed again
}

/// @title The MedAlliance node registry
/// @notice The network nodes (Hyperledger Besu enodes) that member organisations run, each approved by a regulator.
/// With the registry's accounts it is the source of the permissioned network's allowlists: the nodes allowlist
/// holds the approved nodes of Active organisations.
/// @dev A node is known by `nodeId = keccak256(publicKey)` of its 64-byte secp256k1 public key (the enode id). Only
/// the key's hash, the organisation, the status and the hash of the proposed endpoint are stored; the public key,
/// host and port live in {NodeProposed}, from which the enode URL is rebuilt. A regulator approves the exact
/// endpoint proposed by passing back its `enodeHash`.
interface IAllianceNodes is IAllianceGated {
    /// @notice A node as the views return it.
    struct NodeView {
        uint32 orgId; // the organisation that proposed it last
        NodeStatus status;
        uint40 updatedAt; // when its status last changed
        bytes32 enodeHash; // keccak256(abi.encode(publicKey, host, port)) of the latest proposal
    }

    // ------------------------------------------------------------------ events

    /// @notice An organisation's admin proposed a node; the enode URL is `enode://<publicKey>@<host>:<port>`.
    event NodeProposed(
        bytes32 indexed nodeId,
        uint32 indexed orgId,
        bytes32 enodeHash,
        bytes publicKey,
        string host,
        uint16 port
    );
    /// @notice A regulator approved a proposed node.
    event NodeApproved(bytes32 indexed nodeId, uint32 indexed orgId, address indexed regulator);
    /// @notice A regulator rejected a proposed node.
    event NodeRejected(bytes32 indexed nodeId, uint32 indexed orgId, address indexed regulator, bytes32 reasonHash);
    /// @notice The organisation's admin or a regulator removed a proposed or approved node.
    event NodeRemoved(bytes32 indexed nodeId, uint32 indexed orgId, address indexed by);

    // ------------------------------------------------------------------ errors

    /// @notice The caller is not the admin of an organisation.
    error AllianceNodesNotOrganisationAdmin(address account);
    /// @notice The organisation's standing does not allow proposing nodes (it must be Registered or Active).
    error AllianceNodesUnexpectedOrganisationStatus(uint32 orgId, OrganisationStatus status);
    /// @notice A public key must be 64 bytes (no 0x04 prefix) and a point of secp256k1.
    error AllianceNodesInvalidPublicKey(bytes publicKey);
    /// @notice A host must be 1 to `MAX_HOST_LENGTH` characters: letters, digits, dots and hyphens, or an IPv6
    /// address in brackets.
    error AllianceNodesInvalidHost(string host);
    /// @notice Port 0 is not a listening port.
    error AllianceNodesInvalidPort(uint16 port);
    /// @notice The organisation already has the most proposed and approved nodes it may have.
    error AllianceNodesTooManyNodes(uint32 orgId, uint256 max);
    /// @notice The node's status does not allow this (None means no such node).
    error AllianceNodesUnexpectedNodeStatus(bytes32 nodeId, NodeStatus status);
    /// @notice The enode hash passed is not the one of the node's pending proposal.
    error AllianceNodesEnodeMismatch(bytes32 nodeId, bytes32 enodeHash);
    /// @notice The caller is neither the admin of the node's organisation nor a regulator.
    error AllianceNodesNotNodeManager(bytes32 nodeId, address account);
    /// @notice A reason hash must not be zero.
    error AllianceNodesEmptyHash();

    // ------------------------------------------------------------------ lifecycle

    /// @notice The admin of an organisation proposes one of its nodes for the network's nodes allowlist.
    /// @dev Requirements: not paused; caller is an organisation's admin; organisation Registered or Active;
    /// `publicKey` 64 bytes on secp256k1; valid host; non-zero port; node never proposed, rejected or removed;
    /// fewer than `MAX_NODES_PER_ORGANISATION` proposed or approved nodes. Emits {NodeProposed}.
    /// @param publicKey The node's 64-byte public key (the enode id, without the 0x04 prefix).
    /// @param host The node's IP address (or DNS name when the network enables DNS); emitted, not stored.
    /// @param port Its P2P listening port (also its discovery port); emitted, not stored.
    /// @return nodeId `keccak256(publicKey)`.
    function proposeNode(bytes calldata publicKey, string calldata host, uint16 port) external returns (bytes32 nodeId);

    /// @notice A regulator approves the node exactly as proposed.
    /// @dev Requirements: caller is a regulator; node Proposed; `enodeHash` is the proposal's. Emits {NodeApproved}.
    /// @param nodeId The node.
    /// @param enodeHash The hash of the proposal approved (see {enodeHashOf}).
    function approveNode(bytes32 nodeId, bytes32 enodeHash) external;

    /// @notice A regulator rejects a proposed node.
    /// @dev Requirements: caller is a regulator; node Proposed; non-zero reason. Emits {NodeRejected}.
    /// @param nodeId The node.
    /// @param reasonHash Hash of the written reasons.
    function rejectNode(bytes32 nodeId, bytes32 reasonHash) external;

    /// @notice The admin of the node's organisation withdraws it, or a regulator removes it.
    /// @dev Requirements: caller is the admin of the node's organisation or a regulator; node Proposed or Approved.
    /// Emits {NodeRemoved}.
    /// @param nodeId The node.
    function removeNode(bytes32 nodeId) external;

    // ------------------------------------------------------------------ views

    /// @notice A node (status None when unknown).
    /// @param nodeId The node.
    function node(bytes32 nodeId) external view returns (NodeView memory);

    /// @notice Number of nodes ever proposed; positions in {listNodes} run from 0 to this number.
    function nodeCount() external view returns (uint256);

    /// @notice An organisation's proposed and approved nodes (what `MAX_NODES_PER_ORGANISATION` bounds).
    /// @param orgId The organisation.
    function liveNodeCount(uint32 orgId) external view returns (uint256);

    /// @notice Nodes filtered by organisation and status, in order of first proposal, one page at a time.
    /// @param orgId Keep nodes of this organisation (0: any).
    /// @param statusMask Keep nodes whose status bit `1 << status` is set (0: any).
    /// @param cursor The first position to look at (0 for the first page).
    /// @param limit Positions to look at, at most.
    /// @return nodeIds The matching nodes among those looked at.
    /// @return nextCursor Where the next page starts, or 0 when the list is exhausted.
    function listNodes(
        uint32 orgId,
        uint8 statusMask,
        uint256 cursor,
        uint256 limit
    ) external view returns (bytes32[] memory nodeIds, uint256 nextCursor);

    /// @notice A node's id: the hash of its 64-byte public key.
    /// @param publicKey The public key.
    function nodeIdOf(bytes calldata publicKey) external pure returns (bytes32);

    /// @notice The hash a regulator passes to {approveNode}: `keccak256(abi.encode(publicKey, host, port))`.
    /// @param publicKey The node's public key.
    /// @param host Its host.
    /// @param port Its port.
    function enodeHashOf(bytes calldata publicKey, string calldata host, uint16 port) external pure returns (bytes32);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
