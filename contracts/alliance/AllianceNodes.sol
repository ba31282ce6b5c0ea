// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AllianceGated} from "./AllianceGated.sol";
import {AccountKind, OrganisationStatus} from "./AllianceTypes.sol";
import {IAllianceNodes, NodeStatus} from "./IAllianceNodes.sol";
import {IAllianceRegistry} from "./IAllianceRegistry.sol";

/// @title AllianceNodes
/// @notice The network nodes member organisations run: proposed by an organisation's admin, approved or rejected by
/// a regulator, removed by either. Membership, standing and regulators come from the registry.
/// @dev Beside the registry rather than in it (the registry is close to the contract size limit). Two slots per
/// node, no strings in storage; the list of node ids only grows when a key is proposed for the first time, and the
/// listing view filters it, so no state-changing function loops over a collection that grows with use.
contract AllianceNodes is IAllianceNodes, AllianceGated {
    /// @notice Most proposed and approved nodes per organisation (a validator, a spare, RPC and boot nodes).
    uint256 public constant MAX_NODES_PER_ORGANISATION = 8;
    /// @notice Longest host name, in bytes (a DNS name's limit).
    uint256 public constant MAX_HOST_LENGTH = 253;

    /// @dev The secp256k1 field prime.
    uint256 private constant _P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    struct Node {
        bytes32 enodeHash; // keccak256(abi.encode(publicKey, host, port)) of the latest proposal
        uint32 orgId; // the organisation that proposed it last
        NodeStatus status;
        uint40 updatedAt; // when its status last changed
    }

    mapping(bytes32 nodeId => Node) private _nodes;
    bytes32[] private _nodeIds;
    mapping(uint32 orgId => uint256 count) private _liveNodes;

    /// @param registry The alliance registry.
    constructor(IAllianceRegistry registry) AllianceGated(registry) {}

    // ------------------------------------------------------------------ lifecycle

    /// @inheritdoc IAllianceNodes
    function proposeNode(
        bytes calldata publicKey,
        string calldata host,
        uint16 port
    ) external whenAllianceNotPaused returns (bytes32 nodeId) {
        uint32 orgId = _proposingOrganisation(msg.sender);
        if (!_isPublicKey(publicKey)) revert AllianceNodesInvalidPublicKey(publicKey);
        if (!_isHost(bytes(host))) revert AllianceNodesInvalidHost(host);
        if (port == 0) revert AllianceNodesInvalidPort(port);
        nodeId = keccak256(publicKey);
        bytes32 enodeHash = enodeHashOf(publicKey, host, port);
        _propose(nodeId, orgId, enodeHash);
        emit NodeProposed(nodeId, orgId, enodeHash, publicKey, host, port);
    }

    /// @inheritdoc IAllianceNodes
    function approveNode(bytes32 nodeId, bytes32 enodeHash) external onlyRegulator {
        Node storage n = _proposedNode(nodeId);
        if (n.enodeHash != enodeHash) revert AllianceNodesEnodeMismatch(nodeId, enodeHash);
        n.status = NodeStatus.Approved;
        n.updatedAt = uint40(block.timestamp);
        emit NodeApproved(nodeId, n.orgId, msg.sender);
    }

    /// @inheritdoc IAllianceNodes
    function rejectNode(bytes32 nodeId, bytes32 reasonHash) external onlyRegulator {
        Node storage n = _proposedNode(nodeId);
        if (reasonHash == bytes32(0)) revert AllianceNodesEmptyHash();
        uint32 orgId = n.orgId;
        _retire(n, orgId, NodeStatus.Rejected);
        emit NodeRejected(nodeId, orgId, msg.sender, reasonHash);
    }

    /// @inheritdoc IAllianceNodes
    function removeNode(bytes32 nodeId) external {
        Node storage n = _nodes[nodeId];
        NodeStatus status = n.status;
        if (status != NodeStatus.Proposed && status != NodeStatus.Approved) {
            revert AllianceNodesUnexpectedNodeStatus(nodeId, status);
        }
        uint32 orgId = n.orgId;
        (uint32 callerOrgId, AccountKind kind) = alliance().membershipOf(msg.sender);
        bool nodeAdmin = kind == AccountKind.Admin && callerOrgId == orgId;
        if (!nodeAdmin && !_isRegulator(msg.sender)) revert AllianceNodesNotNodeManager(nodeId, msg.sender);
        _retire(n, orgId, NodeStatus.Removed);
        emit NodeRemoved(nodeId, orgId, msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IAllianceNodes
    function node(bytes32 nodeId) external view returns (NodeView memory) {
        Node memory n = _nodes[nodeId];
        return NodeView({orgId: n.orgId, status: n.status, updatedAt: n.updatedAt, enodeHash: n.enodeHash});
    }

    /// @inheritdoc IAllianceNodes
    function nodeCount() external view returns (uint256) {
        return _nodeIds.length;
    }

    /// @inheritdoc IAllianceNodes
    function liveNodeCount(uint32 orgId) external view returns (uint256) {
        return _liveNodes[orgId];
    }

    /// @inheritdoc IAllianceNodes
    function listNodes(
        uint32 orgId,
        uint8 statusMask,
        uint256 cursor,
        uint256 limit
    ) external view returns (bytes32[] memory nodeIds, uint256 nextCursor) {
        uint256 length = _nodeIds.length;
        uint256 end = Math.min(length, cursor + limit);
        nodeIds = new bytes32[](end > cursor ? end - cursor : 0);
        uint256 found;
        for (uint256 i = cursor; i < end; ++i) {
            bytes32 nodeId = _nodeIds[i];
            Node storage n = _nodes[nodeId];
            bool orgMatches = orgId == 0 || n.orgId == orgId;
            bool statusMatches = statusMask == 0 || (statusMask >> uint8(n.status)) & 1 == 1;
            if (orgMatches && statusMatches) nodeIds[found++] = nodeId;
        }
        assembly ("memory-safe") {
            mstore(nodeIds, found) // shorten to the matches; the memory stays allocated
        }
        nextCursor = end < length ? end : 0;
    }

    /// @inheritdoc IAllianceNodes
    function nodeIdOf(bytes calldata publicKey) external pure returns (bytes32) {
        return keccak256(publicKey);
    }

    /// @inheritdoc IAllianceNodes
    function enodeHashOf(bytes calldata publicKey, string calldata host, uint16 port) public pure returns (bytes32) {
        return keccak256(abi.encode(publicKey, host, port));
    }

    /// @inheritdoc IAllianceNodes
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ helpers

    /// @dev The organisation `account` administers, which must be Registered or Active.
    function _proposingOrganisation(address account) private view returns (uint32 orgId) {
        IAllianceRegistry registry = alliance();
        AccountKind kind;
        (orgId, kind) = registry.membershipOf(account);
        if (kind != AccountKind.Admin) revert AllianceNodesNotOrganisationAdmin(account);
        OrganisationStatus standing = registry.organisationStatus(orgId);
        if (standing != OrganisationStatus.Registered && standing != OrganisationStatus.Active) {
            revert AllianceNodesUnexpectedOrganisationStatus(orgId, standing);
        }
    }

    /// @dev Records a proposal of a node that is new, rejected or removed, within the organisation's bound.
    function _propose(bytes32 nodeId, uint32 orgId, bytes32 enodeHash) private {
        Node storage n = _nodes[nodeId];
        NodeStatus status = n.status;
        if (status == NodeStatus.Proposed || status == NodeStatus.Approved) {
            revert AllianceNodesUnexpectedNodeStatus(nodeId, status);
        }
        uint256 live = _liveNodes[orgId];
        if (live == MAX_NODES_PER_ORGANISATION) revert AllianceNodesTooManyNodes(orgId, MAX_NODES_PER_ORGANISATION);
        if (status == NodeStatus.None) _nodeIds.push(nodeId);
        _liveNodes[orgId] = live + 1;
        n.enodeHash = enodeHash;
        n.orgId = orgId;
        n.status = NodeStatus.Proposed;
        n.updatedAt = uint40(block.timestamp);
    }

    function _proposedNode(bytes32 nodeId) private view returns (Node storage n) {
        n = _nodes[nodeId];
        if (n.status != NodeStatus.Proposed) revert AllianceNodesUnexpectedNodeStatus(nodeId, n.status);
    }

    /// @dev Ends a proposed or approved node's place in its organisation's bound.
    function _retire(Node storage n, uint32 orgId, NodeStatus status) private {
        n.status = status;
        n.updatedAt = uint40(block.timestamp);
        // A proposed or approved node was counted when proposed, so the count is at least 1.
        --_liveNodes[orgId];
    }

    /// @dev 64 bytes holding the coordinates of a point of secp256k1 (y² = x³ + 7 over the field of `_P`).
    function _isPublicKey(bytes calldata publicKey) private pure returns (bool) {
        if (publicKey.length != 64) return false;
        uint256 x = uint256(bytes32(publicKey[0:32]));
        uint256 y = uint256(bytes32(publicKey[32:64]));
        if (x >= _P || y >= _P) return false;
        return mulmod(y, y, _P) == addmod(mulmod(mulmod(x, x, _P), x, _P), 7, _P);
    }

    /// @dev A DNS name or IPv4 address (letters, digits, dots, hyphens), or an IPv6 address in brackets (hex digits,
    /// colons, dots): nothing that could break the enode URL or the allowlist file built from it.
    function _isHost(bytes calldata host) private pure returns (bool) {
        uint256 length = host.length;
        if (length == 0 || length > MAX_HOST_LENGTH) return false;
        bool bracketed = host[0] == "[";
        if (bracketed && (length < 3 || host[length - 1] != "]")) return false;
        uint256 end = bracketed ? length - 1 : length;
        for (uint256 i = bracketed ? 1 : 0; i < end; ++i) {
            bytes1 c = host[i];
            bool digit = c >= "0" && c <= "9";
            bool allowed =
                bracketed
                    ? digit || (c >= "a" && c <= "f") || (c >= "A" && c <= "F") || c == ":" || c == "."
                    : digit || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "." || c == "-";
            if (!allowed) return false;
        }
        return true;
    }
}
