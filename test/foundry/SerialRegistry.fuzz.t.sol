// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Foundry finds tests by their `test_` prefix and names read as sentences (test_subject_behaviour); assertion messages
// are longer than 32 bytes on purpose.
// solhint-disable func-name-mixedcase, gas-small-strings, one-contract-per-file

import {IBatchLedger} from "../../contracts/trace/IBatchLedger.sol";
import {BatchStatus} from "../../contracts/trace/TraceTypes.sol";
import {ISerialRegistry, UnitStatus} from "../../contracts/units/ISerialRegistry.sol";
import {SerialRegistry} from "../../contracts/units/SerialRegistry.sol";
import {Test} from "./utils/Test.sol";

/// @notice The registry's side of the alliance: never paused, nobody a member.
contract StubAlliance {
    bool public paused;

    function permittedOrganisation(address, uint16) external pure returns (uint32 orgId, uint16 roles) {
        return (0, 0);
    }
}

/// @notice A ledger that accepts every module call and counts the units dispensed: the fuzz tests look at the
/// registry's own rules (proofs, counts, the bitmap), the ledger's are tested in the Hardhat suites.
contract StubLedger {
    address public immutable alliance;
    uint256 public dispensed;

    constructor(address alliance_) {
        alliance = alliance_;
    }

    uint256 public serialised;

    function serialiseFor(address, bytes32, bytes32) external {
        ++serialised;
    }

    function dispenseFor(address, bytes32, uint256 quantity, bytes32) external {
        dispensed += quantity;
    }

    function batchStatus(bytes32) external pure returns (BatchStatus) {
        return BatchStatus.Released;
    }
}

/// @notice Fuzz tests of SerialRegistry's proofs and dispensed bitmap against trees built here with sorted pairs, the
/// way the OpenZeppelin merkle-tree package builds them.
contract SerialRegistryFuzzTest is Test {
    bytes32 private constant BATCH = keccak256("batch");
    bytes32 private constant SALE = keccak256("sale");
    uint256 private constant MAX_UNITS = type(uint40).max;

    StubLedger private _ledger;
    SerialRegistry private _serials;

    function setUp() public {
        _ledger = new StubLedger(address(new StubAlliance()));
        _serials = new SerialRegistry(IBatchLedger(address(_ledger)));
    }

    // ================================================================== one unit, proof of any depth

    /// @notice A unit proven by a path of any depth up to MAX_PROOF_LENGTH is dispensed once, sets exactly its bit,
    /// reads Dispensed, and a second dispensing is refused.
    function test_dispense_setsExactlyItsBitOnce(uint256 index, bytes32 serial, uint256 depth, uint256 extra) public {
        index = bound(index, 0, MAX_UNITS - 1);
        uint256 count = bound(extra, index + 1, MAX_UNITS);
        (ISerialRegistry.Unit memory unit, bytes32[] memory proof) = _path(index, count, serial, bound(depth, 0, 40));
        _serials.commitSerials(BATCH, unit.root, count);
        assertEq(uint256(_serials.unitStatus(unit, proof)), uint256(UnitStatus.Released), "unit reads Released first");

        _serials.dispense(unit, SALE, proof);
        assertTrue(_serials.isDispensed(BATCH, index), "the unit's bit is set");
        assertFalse(_serials.isDispensed(BATCH, index ^ 1), "its neighbour in the word is not");
        assertFalse(_serials.isDispensed(BATCH, index ^ 256), "the same bit of another word is not");
        assertEq(_ledger.dispensed(), 1, "the ledger dispensed one unit");
        assertEq(uint256(_serials.unitStatus(unit, proof)), uint256(UnitStatus.Dispensed), "unit reads Dispensed");

        vm.expectRevert(abi.encodeWithSelector(ISerialRegistry.SerialAlreadyDispensed.selector, BATCH, index));
        _serials.dispense(unit, SALE, proof);
    }

    /// @notice Another serial, another index below the count, or any index at or above the count is refused with the
    /// proof of a unit, and reads NotInBatch.
    function test_dispense_refusesAnyOtherCode(
        uint256 index,
        bytes32 serial,
        bytes32 otherSerial,
        uint256 otherIndex,
        uint256 depth
    ) public {
        index = bound(index, 0, MAX_UNITS - 2);
        (ISerialRegistry.Unit memory unit, bytes32[] memory proof) = _path(
            index,
            MAX_UNITS,
            serial,
            bound(depth, 1, 40)
        );
        _serials.commitSerials(BATCH, unit.root, MAX_UNITS);

        if (otherSerial != serial) {
            ISerialRegistry.Unit memory forged = unit;
            forged.serial = otherSerial;
            _expectInvalid(forged, proof);
        }
        otherIndex = bound(otherIndex, 0, MAX_UNITS - 1);
        if (otherIndex != index) {
            ISerialRegistry.Unit memory moved = unit;
            moved.index = otherIndex;
            _expectInvalid(moved, proof);
        }
        ISerialRegistry.Unit memory beyond = unit;
        beyond.index = bound(otherIndex, MAX_UNITS, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(ISerialRegistry.SerialIndexOutOfRange.selector, BATCH, beyond.index, MAX_UNITS)
        );
        _serials.dispense(beyond, SALE, proof);
        assertEq(uint256(_serials.unitStatus(beyond, proof)), uint256(UnitStatus.NotInBatch), "beyond: NotInBatch");
        assertEq(_ledger.dispensed(), 0, "nothing was dispensed");
    }

    // ================================================================== many units, one tree

    /// @notice Eight units of one tree, at any distinct indexes, dispensed in any order: each sets its own bit and
    /// nothing else, and each is dispensed once.
    function test_dispense_keepsEveryUnitsBitApart(uint40[8] memory rawIndexes, uint256 orderSeed) public {
        uint256[8] memory indexes;
        for (uint256 i; i < 8; ++i) {
            indexes[i] = bound(rawIndexes[i], 0, MAX_UNITS - 1);
            for (uint256 j; j < i; ++j) vm.assume(indexes[i] != indexes[j]);
        }
        bytes32[8] memory leaves;
        for (uint256 i; i < 8; ++i) {
            leaves[i] = _serials.leafOf(BATCH, indexes[i], keccak256(abi.encode("serial", i)));
        }
        bytes32 root = _hash(
            _hash(_hash(leaves[0], leaves[1]), _hash(leaves[2], leaves[3])),
            _hash(_hash(leaves[4], leaves[5]), _hash(leaves[6], leaves[7]))
        );
        _serials.commitSerials(BATCH, root, MAX_UNITS);

        for (uint256 step; step < 8; ++step) {
            uint256 k = ((orderSeed % 8) + step * 3) % 8; // 3 is coprime with 8: every unit once
            ISerialRegistry.Unit memory unit = ISerialRegistry.Unit({
                batchId: BATCH,
                root: root,
                count: MAX_UNITS,
                index: indexes[k],
                serial: keccak256(abi.encode("serial", k))
            });
            bytes32[] memory proof = _proofOf(leaves, k);
            assertFalse(_serials.isDispensed(BATCH, indexes[k]), "not dispensed before its turn");
            _serials.dispense(unit, SALE, proof);
            vm.expectRevert(abi.encodeWithSelector(ISerialRegistry.SerialAlreadyDispensed.selector, BATCH, indexes[k]));
            _serials.dispense(unit, SALE, proof);
        }
        for (uint256 i; i < 8; ++i) {
            assertTrue(_serials.isDispensed(BATCH, indexes[i]), "every unit is dispensed");
            uint256 neighbour = indexes[i] ^ 1;
            bool chosen;
            for (uint256 j; j < 8; ++j) chosen = chosen || indexes[j] == neighbour;
            assertEq(_serials.isDispensed(BATCH, neighbour), chosen, "a neighbour is dispensed only if chosen");
        }
        assertEq(_ledger.dispensed(), 8, "the ledger dispensed eight units");
    }

    // ================================================================== helpers

    function _expectInvalid(ISerialRegistry.Unit memory unit, bytes32[] memory proof) private {
        vm.expectRevert(
            abi.encodeWithSelector(ISerialRegistry.SerialInvalidProof.selector, BATCH, unit.index, unit.serial)
        );
        _serials.dispense(unit, SALE, proof);
        assertEq(uint256(_serials.unitStatus(unit, proof)), uint256(UnitStatus.NotInBatch), "reads NotInBatch");
    }

    /// @dev A unit and a proof of `depth` pseudo-random siblings, with the root they lead to.
    function _path(
        uint256 index,
        uint256 count,
        bytes32 serial,
        uint256 depth
    ) private view returns (ISerialRegistry.Unit memory unit, bytes32[] memory proof) {
        proof = new bytes32[](depth);
        bytes32 node = _serials.leafOf(BATCH, index, serial);
        for (uint256 i; i < depth; ++i) {
            proof[i] = keccak256(abi.encode(serial, index, i));
            node = _hash(node, proof[i]);
        }
        unit = ISerialRegistry.Unit({batchId: BATCH, root: node, count: count, index: index, serial: serial});
    }

    /// @dev The proof of leaf `k` of the perfect eight-leaf tree built in the test.
    function _proofOf(bytes32[8] memory leaves, uint256 k) private pure returns (bytes32[] memory proof) {
        proof = new bytes32[](3);
        proof[0] = leaves[k ^ 1];
        uint256 pair = (k >> 1) ^ 1;
        proof[1] = _hash(leaves[pair * 2], leaves[pair * 2 + 1]);
        uint256 half = (k >> 2) ^ 1;
        proof[2] = _hash(
            _hash(leaves[half * 4], leaves[half * 4 + 1]),
            _hash(leaves[half * 4 + 2], leaves[half * 4 + 3])
        );
    }

    /// @dev OpenZeppelin's commutative node hash: keccak256 of the sorted pair.
    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }
}
