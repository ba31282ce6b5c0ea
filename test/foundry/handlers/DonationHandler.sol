// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test code: outcome messages are longer than 32 bytes on purpose.
// solhint-disable gas-small-strings

import {DonationEscrow} from "../../../contracts/money/DonationEscrow.sol";
import {IDonationEscrow} from "../../../contracts/money/IDonationEscrow.sol";
import {IBatchLedger} from "../../../contracts/trace/IBatchLedger.sol";
import {IProductCatalog} from "../../../contracts/trace/IProductCatalog.sol";
import {BatchStatus, Category, ShipmentStatus} from "../../../contracts/trace/TraceTypes.sol";
import {TestToken} from "../../../contracts/mocks/tokens/TestToken.sol";
import {TestBase} from "../utils/Test.sol";

/// @notice A stand-in for the batch ledger with only what the escrow reads: shipment states and batches, set by the
/// handler as receipts, settlements, recalls and expiry dates happen. The escrow never writes to the ledger.
contract LedgerStub {
    mapping(bytes32 shipmentId => IBatchLedger.ShipmentRecord) private _records;
    mapping(bytes32 batchId => IBatchLedger.BatchView) private _batches;

    /// @notice No catalog: the campaign posts GTIN needs only.
    function catalog() external pure returns (IProductCatalog) {
        return IProductCatalog(address(0));
    }

    function setShipment(bytes32 shipmentId, IBatchLedger.ShipmentRecord memory record) external {
        _records[shipmentId] = record;
    }

    function setBatch(bytes32 batchId, uint64 gtin, uint40 expiresAt, BatchStatus status) external {
        IBatchLedger.BatchView storage b = _batches[batchId];
        b.gtin = gtin;
        b.expiresAt = expiresAt;
        b.status = status;
    }

    function shipmentState(bytes32 shipmentId) external view returns (IBatchLedger.ShipmentRecord memory) {
        return _records[shipmentId];
    }

    function batch(bytes32 batchId) external view returns (IBatchLedger.BatchView memory) {
        return _batches[batchId];
    }
}

/// @notice The only target of the escrow's invariant campaign: needs posted and verified, gifts in ETH and a token by
/// four donors (with excess), offers by two suppliers accepted by the hospital, shipments received (in part, settled,
/// late, of recalled or short-dated batches, reused), releases, offer closings, cancellations, refunds, redirections,
/// withdrawals, collections and time. Ghosts count what each donor paid in and took out, and what each supplier was
/// paid per offer against the quantity the ledger stub says was received.
contract DonationHandler is TestBase {
    /// @notice The handler ran out of ETH for its donors.
    error DonationHandlerUnfunded(uint256 amount);

    uint256 public constant MAX_NEEDS = 6;
    uint256 public constant MAX_OFFERS = 12;
    uint64 public constant GTIN = 614_141_000_029;
    bytes32 public constant GOOD_BATCH = keccak256("good batch");
    bytes32 public constant RECALLED_BATCH = keccak256("recalled batch");
    bytes32 public constant SHORT_BATCH = keccak256("short-dated batch");

    DonationEscrow public immutable escrow;
    LedgerStub public immutable ledger;
    TestToken public immutable token;
    address public immutable hospital;
    uint32 public immutable hospitalOrgId;
    address public immutable regulator;

    address[4] public donors;
    address[2] public suppliers;
    uint32[2] public supplierOrgIds;
    uint256[] public needIds;
    uint256[] public offerIds;
    IBatchLedger.Shipment[] private _shipments;
    uint256[] private _shipmentOffers; // the offer each shipment was made for
    uint256 private _sequence;

    /// @notice Ghost: what each donor paid into the escrow, and took out of it, per asset.
    mapping(address asset => mapping(address donor => uint256 amount)) public paidIn;
    mapping(address asset => mapping(address donor => uint256 amount)) public takenOut;
    /// @notice Ghost: for each shipment, the offer its reference names and the quantity the stub recorded as received
    /// (zero when only delivered, or from a recalled or short-dated batch). Whether it counts for that offer depends on who shipped it: see `receivedFor`.
    uint256[] private _namedOffers;
    uint256[] private _receivedQuantities;
    /// @notice Ghost: what each offer's maker collected.
    mapping(uint256 offerId => uint256 amount) public collected;
    /// @notice Ghost: donors that ever gave to each need (to bound rounding dust).
    mapping(uint256 needId => uint256 count) public donorsOf;
    mapping(uint256 needId => mapping(address donor => bool)) private _gave;
    /// @notice Ghost: successful calls per action.
    mapping(bytes4 action => uint256 count) public successes;

    constructor(
        DonationEscrow escrow_,
        LedgerStub ledger_,
        TestToken token_,
        address hospital_,
        uint32 hospitalOrgId_,
        address regulator_,
        address[2] memory suppliers_,
        uint32[2] memory supplierOrgIds_
    ) payable {
        escrow = escrow_;
        ledger = ledger_;
        token = token_;
        hospital = hospital_;
        hospitalOrgId = hospitalOrgId_;
        regulator = regulator_;
        suppliers = suppliers_;
        supplierOrgIds = supplierOrgIds_;
        donors = [makeAddr("donor A"), makeAddr("donor B"), makeAddr("donor C"), makeAddr("donor D")];
        ledger.setBatch(GOOD_BATCH, GTIN, uint40(block.timestamp + 3 * 365 days), BatchStatus.Released);
        ledger.setBatch(RECALLED_BATCH, GTIN, uint40(block.timestamp + 3 * 365 days), BatchStatus.Recalled);
        ledger.setBatch(SHORT_BATCH, GTIN, uint40(block.timestamp + 10 days), BatchStatus.Released);
    }

    // ------------------------------------------------------------------ needs

    function postNeed(uint256 quantitySeed, uint256 priceSeed, uint256 deadlineSeed, bool inToken) external {
        if (needIds.length >= MAX_NEEDS) return;
        IDonationEscrow.NeedRequest memory request = IDonationEscrow.NeedRequest({
            beneficiaryOrgId: 0,
            gtin: GTIN,
            category: Category.None,
            quantity: uint32(bound(quantitySeed, 1, 1_000)),
            urgency: 3,
            deadline: uint32(block.timestamp + bound(deadlineSeed, 1 hours, 30 days)),
            maxUnitPrice: uint96(bound(priceSeed, 1, 1e15)),
            minShelfLife: 30 days,
            asset: inToken ? address(token) : address(0),
            detailsHash: keccak256("need")
        });
        vm.prank(hospital);
        uint256 needId = escrow.postNeed(request);
        vm.prank(regulator);
        escrow.verifyNeed(needId);
        needIds.push(needId);
        ++successes[this.postNeed.selector];
    }

    function cancel(uint256 needSeed) external {
        if (needIds.length == 0) return;
        vm.prank(hospital);
        try escrow.cancelNeed(_need(needSeed), bytes32(0)) {
            ++successes[this.cancel.selector];
        } catch {}
    }

    // ------------------------------------------------------------------ money in

    function donate(uint256 donorSeed, uint256 needSeed, uint256 amountSeed) external {
        if (needIds.length == 0) return;
        uint256 needId = _need(needSeed);
        address donor = donors[donorSeed % 4];
        address asset = escrow.need(needId).asset;
        uint256 amount = bound(amountSeed, 1, escrow.need(needId).target + 1e15);
        uint256 value = _fund(donor, asset, amount);
        vm.prank(donor);
        try escrow.donate{value: value}(needId, amount) returns (uint256 accepted) {
            paidIn[asset][donor] += amount;
            if (accepted != 0 && !_gave[needId][donor]) {
                _gave[needId][donor] = true;
                ++donorsOf[needId];
            }
            ++successes[this.donate.selector];
        } catch {}
    }

    // ------------------------------------------------------------------ offers and receipts

    function offerAndAccept(uint256 needSeed, uint256 supplierSeed, uint256 quantitySeed, uint256 priceSeed) external {
        if (needIds.length == 0 || offerIds.length >= MAX_OFFERS) return;
        uint256 needId = _need(needSeed);
        IDonationEscrow.NeedView memory n = escrow.need(needId);
        uint256 quantity = bound(quantitySeed, 1, n.quantity / 3 + 1);
        uint256 price = bound(priceSeed, 1, n.maxUnitPrice);
        address supplier = suppliers[supplierSeed % 2];
        vm.prank(supplier);
        try escrow.makeOffer(needId, uint32(quantity), uint96(price), n.deadline) returns (uint256 offerId) {
            offerIds.push(offerId);
            vm.prank(hospital);
            try escrow.acceptOffer(offerId) {
                ++successes[this.offerAndAccept.selector];
            } catch {}
        } catch {}
    }

    /// @notice The offer's maker ships; the hospital receives part or all (or a regulator settles), from a good,
    /// recalled or short-dated batch; sometimes the shipment names another offer or comes from the other supplier.
    function shipAndReceive(uint256 offerSeed, uint256 quantitySeed, uint256 kindSeed) external {
        if (offerIds.length == 0) return;
        uint256 offerId = offerIds[offerSeed % offerIds.length];
        IDonationEscrow.OfferView memory o = escrow.offer(offerId);
        uint256 kind = kindSeed % 8;
        bytes32 batchId =
            kind == 6
                ? RECALLED_BATCH
                : kind == 7
                    ? SHORT_BATCH
                    : GOOD_BATCH;
        uint32 from = kind == 5 ? _otherSupplier(o.makerOrgId) : o.makerOrgId;
        IBatchLedger.Shipment memory s = IBatchLedger.Shipment({
            batchId: batchId,
            fromOrgId: from,
            toOrgId: hospitalOrgId,
            carrierOrgId: 99,
            fromGln: 1,
            toGln: 2,
            quantity: bound(quantitySeed, 1, 1_200),
            ref: kind == 4 ? escrow.refOf(offerId + 1) : escrow.refOf(offerId),
            sequence: ++_sequence
        });
        uint40 received = uint40(kind == 3 ? s.quantity / 2 : s.quantity);
        bytes32 shipmentId = keccak256(abi.encode(s));
        ledger.setShipment(
            shipmentId,
            IBatchLedger.ShipmentRecord({
                status: kind == 2
                    ? ShipmentStatus.Settled
                    : kind == 1
                        ? ShipmentStatus.Delivered
                        : ShipmentStatus.Received,
                shippedAt: uint32(block.timestamp),
                pickedUpAt: 0,
                deliveredAt: 0,
                answeredAt: uint32(block.timestamp),
                received: kind == 1 ? 0 : received
            })
        );
        _shipments.push(s);
        _shipmentOffers.push(offerId);
        _namedOffers.push(kind == 4 ? offerId + 1 : offerId);
        // Only delivered, or of a recalled or short-dated batch: nothing a supplier may be paid for.
        _receivedQuantities.push(kind == 1 || kind == 6 || kind == 7 ? 0 : received);
        ++successes[this.shipAndReceive.selector];
    }

    /// @notice Releases a shipment for the offer it was made for (or, one time in four, for any offer).
    function release(uint256 shipmentSeed, uint256 offerSeed) external {
        if (_shipments.length == 0) return;
        uint256 index = shipmentSeed % _shipments.length;
        uint256 offerId = offerSeed % 4 == 0 ? offerIds[offerSeed % offerIds.length] : _shipmentOffers[index];
        try escrow.release(offerId, _shipments[index]) {
            ++successes[this.release.selector];
        } catch {}
    }

    function closeOffer(uint256 offerSeed, bool byMaker) external {
        if (offerIds.length == 0) return;
        uint256 offerId = offerIds[offerSeed % offerIds.length];
        vm.prank(byMaker ? escrow.offer(offerId).maker : hospital);
        try escrow.closeOffer(offerId) {
            ++successes[this.closeOffer.selector];
        } catch {}
    }

    function collect(uint256 offerSeed) external {
        if (offerIds.length == 0) return;
        uint256 offerId = offerIds[offerSeed % offerIds.length];
        vm.prank(escrow.offer(offerId).maker);
        try escrow.collectEarnings(offerId) returns (uint256 amount) {
            collected[offerId] += amount;
            ++successes[this.collect.selector];
        } catch {}
    }

    // ------------------------------------------------------------------ money out

    function refund(uint256 donorSeed, uint256 needSeed) external {
        if (needIds.length == 0) return;
        uint256 needId = _need(needSeed);
        address donor = donors[donorSeed % 4];
        vm.prank(donor);
        try escrow.refund(needId) returns (uint256 amount) {
            takenOut[escrow.need(needId).asset][donor] += amount;
            ++successes[this.refund.selector];
        } catch {}
    }

    function redirect(uint256 donorSeed, uint256 fromSeed, uint256 toSeed) external {
        if (needIds.length == 0) return;
        uint256 toNeed = _need(toSeed);
        address donor = donors[donorSeed % 4];
        vm.prank(donor);
        try escrow.redirect(_need(fromSeed), toNeed) returns (uint256 accepted) {
            if (accepted != 0 && !_gave[toNeed][donor]) {
                _gave[toNeed][donor] = true;
                ++donorsOf[toNeed];
            }
            ++successes[this.redirect.selector];
        } catch {}
    }

    function withdraw(uint256 donorSeed, bool inToken) external {
        address donor = donors[donorSeed % 4];
        address asset = inToken ? address(token) : address(0);
        vm.prank(donor);
        try escrow.withdraw(asset) returns (uint256 amount) {
            takenOut[asset][donor] += amount;
            ++successes[this.withdraw.selector];
        } catch {}
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(block.timestamp + bound(secondsSeed, 1, 20 days));
        ++successes[this.warp.selector];
    }

    // ------------------------------------------------------------------ views for the invariants

    /// @notice Quantity received on shipments that name the offer and come from its maker's organisation: the most a
    /// supplier may be paid for. A shipment made for one offer that names the next one counts for the next one when the
    /// same supplier made both.
    function receivedFor(uint256 offerId) external view returns (uint256 quantity) {
        uint32 makerOrgId = escrow.offer(offerId).makerOrgId;
        for (uint256 i; i < _shipments.length; ++i) {
            if (_namedOffers[i] == offerId && _shipments[i].fromOrgId == makerOrgId) quantity += _receivedQuantities[i];
        }
    }

    function needCount() external view returns (uint256) {
        return needIds.length;
    }

    function offerCount() external view returns (uint256) {
        return offerIds.length;
    }

    function donorAt(uint256 index) external view returns (address) {
        return donors[index];
    }

    // ------------------------------------------------------------------ helpers

    function _need(uint256 seed) private view returns (uint256) {
        return needIds[seed % needIds.length];
    }

    function _otherSupplier(uint32 orgId) private view returns (uint32) {
        return orgId == supplierOrgIds[0] ? supplierOrgIds[1] : supplierOrgIds[0];
    }

    /// @dev Gives the donor the money and the allowance; returns the ETH to send.
    function _fund(address account, address asset, uint256 amount) private returns (uint256 value) {
        if (asset == address(0)) {
            // The handler was deployed with ETH for the donors.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = account.call{value: amount}("");
            if (!ok) revert DonationHandlerUnfunded(amount);
            return amount;
        }
        token.mint(account, amount);
        vm.prank(account);
        token.approve(address(escrow), type(uint256).max);
        return 0;
    }
}
