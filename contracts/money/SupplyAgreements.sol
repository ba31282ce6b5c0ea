// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {AgreementTerms} from "../libraries/AgreementTerms.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {ShipmentStatus} from "../trace/TraceTypes.sol";
import {AssetVault} from "./AssetVault.sol";
import {AgreementParty, AgreementStatus, ISupplyAgreements, Ruling, TermsDefect} from "./ISupplyAgreements.sol";

/// @title SupplyAgreements
/// @notice Tripartite supply agreements with collateral, late and defect penalties, claims, force majeure and
/// settlement by pull payments.
/// @dev One agreement is six storage slots; its terms live in calldata and events, checked against the stored hash.
/// Money: the buyer's price and fee and both collaterals are collected into `owed` (AssetVault) and only ever
/// credited out: returns and termination refunds to the buyer as they happen, everything else once, at settlement.
/// Per agreement the credits sum to exactly what was collected (see the README's money table).
contract SupplyAgreements is ISupplyAgreements, AssetVault {
    using AgreementTerms for Terms;

    /// @notice Seconds the carrier has after the hand-over (the ship record) to record its pick-up before the supplier
    /// may flag the shipment; a flagged carrier's transit clock runs from the end of this window.
    uint256 public constant PICK_UP_WINDOW = 1 days;

    uint16 private constant BUYERS = Roles.HOSPITAL | Roles.AGENCY;
    uint16 private constant SUPPLIERS = Roles.MANUFACTURER | Roles.DISTRIBUTOR;
    uint16 private constant CARRIERS = Roles.LOGISTICS;

    uint8 private constant SUPPLIER_SIGNED = 1;
    uint8 private constant CARRIER_SIGNED = 2;
    uint8 private constant SUPPLIER_FM_CLAIMED = 4;
    uint8 private constant CARRIER_FM_CLAIMED = 8;
    uint8 private constant SUPPLIER_EXCUSED = 16;
    uint8 private constant CARRIER_EXCUSED = 32;

    uint8 private constant FLAGGED = 1;
    uint8 private constant RECORDED = 2;

    struct Agreement {
        bytes32 termsHash; // keccak256(abi.encode(terms))
        address buyer; // the proposing account
        AgreementStatus status;
        uint8 flags; // SUPPLIER_SIGNED | CARRIER_SIGNED | *_FM_CLAIMED | *_EXCUSED
        uint40 delivered; // quantity received under the agreement
        uint40 returned; // rejected quantity its recipient has back, refunded
        address supplier; // the supplier's signing account
        uint32 lastReceiptAt; // latest receipt: the inspection window runs from here
        uint32 claimFiledAt; // the open claim's filing time
        address carrier; // the carrier's signing account
        uint32 returnBy; // rejected goods not back with the supplier by then count as accepted
        uint32 supplierFmAt; // a force-majeure claim awaiting a ruling: its filing time
        uint32 carrierFmAt; // idem, the carrier's
        uint128 supplierLate; // accrued late penalty, capped
        uint128 carrierLate; // accrued late penalty, capped
        uint40 claimed; // the open claim's quantity; zero when none
        uint40 pendingReturn; // rejected quantity not yet back with the supplier
        uint40 supplierDefects; // rejected quantity attributed to the supplier
        uint40 carrierDefects; // rejected quantity attributed to the carrier
    }

    /// @dev When a delivery arrived and whose clock ran when.
    struct Arrival {
        uint256 quantity; // received (or shipped, when the delivery record stands)
        uint256 shippedAt; // the supplier's hand-over
        uint256 carrierFrom; // the carrier's transit clock starts
        uint256 transitEnd; // the carrier's delivery record (or the receipt, without one)
        uint256 receiptAt; // starts the inspection window
    }

    /// @dev What settlement credits.
    struct Payout {
        uint256 supplierPenalty;
        uint256 carrierPenalty;
        uint256 supplierCredit;
        uint256 carrierCredit;
    }

    IBatchLedger private immutable _ledger;
    /// @dev The ledger's receipt window (immutable there too), read once.
    uint256 private immutable _receiptWindow;

    uint256 private _count;
    mapping(uint256 agreementId => Agreement) private _agreements;
    mapping(bytes32 shipmentId => uint8 use) private _shipmentUse;
    mapping(uint32 orgId => Reputation) private _reputations;
    mapping(uint32 orgId => mapping(address asset => uint256 amount)) private _penaltiesPaid;

    /// @param registry The alliance registry.
    /// @param ledger_ The batch ledger deliveries and returns are read from (its receipt window is read once, here).
    constructor(IAllianceRegistry registry, IBatchLedger ledger_) AllianceGated(registry) {
        if (address(ledger_) == address(0)) revert AgreementZeroAddress();
        _ledger = ledger_;
        _receiptWindow = ledger_.receiptWindow();
    }

    // ------------------------------------------------------------------ formation

    /// @inheritdoc ISupplyAgreements
    function propose(Terms calldata terms) external whenAllianceNotPaused returns (uint256 agreementId) {
        (uint32 orgId, ) = _requirePermitted(msg.sender, BUYERS);
        _validate(terms, orgId);
        agreementId = ++_count;
        Agreement storage a = _agreements[agreementId];
        bytes32 termsHash = keccak256(abi.encode(terms));
        a.termsHash = termsHash;
        a.buyer = msg.sender;
        a.status = AgreementStatus.Proposed;
        emit AgreementProposed(agreementId, orgId, termsHash, terms);
    }

    /// @inheritdoc ISupplyAgreements
    function sign(
        uint256 agreementId,
        bytes32 termsHash,
        Terms calldata terms
    ) external payable whenAllianceNotPaused nonReentrant {
        Agreement storage a = _inStatus(agreementId, terms, AgreementStatus.Proposed);
        if (termsHash != a.termsHash) revert AgreementWrongTermsHash(agreementId, a.termsHash, termsHash);
        AgreementParty party = _partyOf(agreementId, terms);
        uint256 collateral;
        if (party == AgreementParty.Supplier) {
            if (a.flags & SUPPLIER_SIGNED != 0) revert AgreementAlreadyDone(agreementId, party);
            a.flags |= SUPPLIER_SIGNED;
            a.supplier = msg.sender;
            collateral = terms.supplierCollateral;
        } else {
            if (a.flags & CARRIER_SIGNED != 0) revert AgreementAlreadyDone(agreementId, party);
            a.flags |= CARRIER_SIGNED;
            a.carrier = msg.sender;
            collateral = terms.carrierCollateral;
        }
        _collectInFull(terms.asset, collateral);
        emit AgreementSigned(agreementId, party, msg.sender, collateral);
    }

    /// @inheritdoc ISupplyAgreements
    function retract(uint256 agreementId, Terms calldata terms) external {
        Agreement storage a = _inStatus(agreementId, terms, AgreementStatus.Proposed);
        AgreementParty party = _partyOf(agreementId, terms);
        (uint8 flag, address account, uint256 collateral) = party == AgreementParty.Supplier
            ? (SUPPLIER_SIGNED, a.supplier, uint256(terms.supplierCollateral))
            : (CARRIER_SIGNED, a.carrier, uint256(terms.carrierCollateral));
        if (a.flags & flag == 0) revert AgreementNotDone(agreementId, party);
        a.flags &= ~flag;
        emit SignatureRetracted(agreementId, party, account);
        _credit(terms.asset, account, collateral);
    }

    /// @inheritdoc ISupplyAgreements
    function fund(uint256 agreementId, Terms calldata terms) external payable whenAllianceNotPaused nonReentrant {
        Agreement storage a = _inStatus(agreementId, terms, AgreementStatus.Proposed);
        _requireOrg(agreementId, BUYERS, terms.buyerOrgId);
        if (a.flags & SUPPLIER_SIGNED == 0) revert AgreementNotDone(agreementId, AgreementParty.Supplier);
        if (a.flags & CARRIER_SIGNED == 0) revert AgreementNotDone(agreementId, AgreementParty.Carrier);
        a.status = AgreementStatus.Active;
        uint256 amount = terms.valueOf(terms.quantity) + terms.carrierFee;
        _collectInFull(terms.asset, amount);
        emit AgreementFunded(agreementId, msg.sender, amount);
    }

    /// @inheritdoc ISupplyAgreements
    function cancel(uint256 agreementId, Terms calldata terms) external {
        Agreement storage a = _inStatus(agreementId, terms, AgreementStatus.Proposed);
        (uint32 orgId, ) = _requirePermitted(msg.sender, BUYERS | SUPPLIERS | CARRIERS);
        if (orgId != terms.buyerOrgId) {
            if (orgId != terms.supplierOrgId && orgId != terms.carrierOrgId) {
                revert AgreementNotParty(agreementId, msg.sender);
            }
            if (block.timestamp <= terms.handOverDeadline)
                revert AgreementTooEarly(agreementId, terms.handOverDeadline);
        }
        a.status = AgreementStatus.Cancelled;
        emit AgreementCancelled(agreementId, msg.sender);
        if (a.flags & SUPPLIER_SIGNED != 0) _credit(terms.asset, a.supplier, terms.supplierCollateral);
        if (a.flags & CARRIER_SIGNED != 0) _credit(terms.asset, a.carrier, terms.carrierCollateral);
    }

    // ------------------------------------------------------------------ delivery

    /// @inheritdoc ISupplyAgreements
    function flagMissedPickUp(
        uint256 agreementId,
        Terms calldata terms,
        IBatchLedger.Shipment calldata shipment
    ) external {
        _inStatus(agreementId, terms, AgreementStatus.Active);
        _requireOrg(agreementId, SUPPLIERS, terms.supplierOrgId);
        bytes32 shipmentId = _deliveryShipment(agreementId, terms, shipment);
        if (_shipmentUse[shipmentId] != 0) revert AgreementShipmentUsed(shipmentId);
        IBatchLedger.ShipmentRecord memory record = _ledger.shipmentState(shipmentId);
        if (record.status != ShipmentStatus.InTransit) {
            revert AgreementUnexpectedShipmentStatus(shipmentId, record.status);
        }
        uint256 windowEnds = uint256(record.shippedAt) + PICK_UP_WINDOW;
        if (block.timestamp <= windowEnds) revert AgreementTooEarly(agreementId, windowEnds);
        _shipmentUse[shipmentId] = FLAGGED;
        emit PickUpFlagged(agreementId, shipmentId, msg.sender);
    }

    /// @inheritdoc ISupplyAgreements
    function recordDelivery(
        uint256 agreementId,
        Terms calldata terms,
        IBatchLedger.Shipment calldata shipment
    ) external {
        Agreement storage a = _inStatus(agreementId, terms, AgreementStatus.Active);
        bytes32 shipmentId = _deliveryShipment(agreementId, terms, shipment);
        uint8 use = _shipmentUse[shipmentId];
        if (use == RECORDED) revert AgreementShipmentUsed(shipmentId);
        Arrival memory arrival = _arrival(shipmentId, shipment, use == FLAGGED);
        IBatchLedger.BatchView memory b = _ledger.batch(shipment.batchId);
        if (b.gtin != terms.gtin) revert AgreementForeignShipment(agreementId, shipmentId);
        uint256 required = arrival.shippedAt + terms.minShelfLife;
        if (b.expiresAt < required) revert AgreementShelfLifeTooShort(shipmentId, b.expiresAt, required);
        uint256 allowed = terms.quantity - a.delivered;
        if (arrival.quantity > allowed) revert AgreementQuantityExceeded(agreementId, arrival.quantity, allowed);

        uint256 supplierPenalty = terms.latePenalty(
            arrival.quantity,
            AgreementTerms.lateness(arrival.shippedAt, terms.handOverDeadline)
        );
        uint256 carrierPenalty = terms.latePenalty(
            arrival.quantity,
            AgreementTerms.lateness(arrival.transitEnd, arrival.carrierFrom + terms.transitAllowance)
        );
        a.supplierLate = terms.capped(a.supplierLate, supplierPenalty);
        a.carrierLate = terms.capped(a.carrierLate, carrierPenalty);
        // At most `quantity` (uint40), checked above.
        a.delivered += uint40(arrival.quantity);
        // Ledger times are uint32.
        if (arrival.receiptAt > a.lastReceiptAt) a.lastReceiptAt = uint32(arrival.receiptAt);
        _shipmentUse[shipmentId] = RECORDED;
        emit DeliveryRecorded(agreementId, shipmentId, arrival.quantity, supplierPenalty, carrierPenalty);
    }

    // ------------------------------------------------------------------ claims and returns

    /// @inheritdoc ISupplyAgreements
    function fileClaim(uint256 agreementId, Terms calldata terms, uint40 quantity, bytes32 evidenceHash) external {
        Agreement storage a = _agreement(agreementId, terms);
        if (a.status != AgreementStatus.Active && a.status != AgreementStatus.Terminated) {
            revert AgreementUnexpectedStatus(agreementId, a.status);
        }
        _requireOrg(agreementId, BUYERS, terms.buyerOrgId);
        if (a.claimed != 0) revert AgreementClaimOpen(agreementId);
        if (evidenceHash == bytes32(0)) revert AgreementEmptyHash();
        uint256 allowed = uint256(a.delivered) - a.returned - a.pendingReturn;
        if (quantity == 0 || quantity > allowed) revert AgreementQuantityExceeded(agreementId, quantity, allowed);
        uint256 deadline = uint256(a.lastReceiptAt) + terms.inspectionWindow;
        if (block.timestamp > deadline) revert AgreementTooLate(agreementId, deadline);
        a.claimed = quantity;
        a.claimFiledAt = uint32(block.timestamp);
        emit ClaimFiled(agreementId, quantity, evidenceHash);
    }

    /// @inheritdoc ISupplyAgreements
    function ruleClaim(
        uint256 agreementId,
        Terms calldata terms,
        Ruling ruling,
        bytes32 reasonHash
    ) external onlyRegulator {
        Agreement storage a = _openClaim(agreementId, terms);
        uint256 deadline = uint256(a.claimFiledAt) + terms.rulingWindow;
        if (block.timestamp > deadline) revert AgreementTooLate(agreementId, deadline);
        if (ruling == Ruling.None) revert AgreementInvalidRuling(ruling);
        if (reasonHash == bytes32(0)) revert AgreementEmptyHash();
        uint40 quantity = a.claimed;
        a.claimed = 0;
        a.claimFiledAt = 0;
        if (ruling == Ruling.SupplierAtFault) {
            a.supplierDefects += quantity;
            ++_reputations[terms.supplierOrgId].defective;
            _awaitReturn(a, terms, quantity);
        } else if (ruling == Ruling.CarrierAtFault) {
            a.carrierDefects += quantity;
            ++_reputations[terms.carrierOrgId].defective;
            _awaitReturn(a, terms, quantity);
        }
        emit ClaimRuled(agreementId, ruling, quantity, reasonHash);
    }

    /// @inheritdoc ISupplyAgreements
    function lapseClaim(uint256 agreementId, Terms calldata terms) external {
        Agreement storage a = _openClaim(agreementId, terms);
        uint256 deadline = uint256(a.claimFiledAt) + terms.rulingWindow;
        if (block.timestamp <= deadline) revert AgreementTooEarly(agreementId, deadline);
        uint40 quantity = a.claimed;
        a.claimed = 0;
        a.claimFiledAt = 0;
        _awaitReturn(a, terms, quantity);
        emit ClaimLapsed(agreementId, quantity);
    }

    /// @inheritdoc ISupplyAgreements
    function recordReturn(uint256 agreementId, Terms calldata terms, IBatchLedger.Shipment calldata shipment) external {
        Agreement storage a = _agreement(agreementId, terms);
        if (a.status != AgreementStatus.Active && a.status != AgreementStatus.Terminated) {
            revert AgreementUnexpectedStatus(agreementId, a.status);
        }
        bytes32 shipmentId = _returnShipment(agreementId, terms, shipment);
        if (_shipmentUse[shipmentId] != 0) revert AgreementShipmentUsed(shipmentId);
        uint256 arrived = _returnArrived(agreementId, shipmentId, shipment);
        uint256 pending = a.pendingReturn;
        // Goods beyond what awaits return are not refunded.
        uint256 quantity = arrived < pending ? arrived : pending;
        if (quantity == 0) revert AgreementQuantityExceeded(agreementId, arrived, pending);
        // At most pendingReturn (uint40), capped above.
        a.pendingReturn -= uint40(quantity);
        a.returned += uint40(quantity);
        _shipmentUse[shipmentId] = RECORDED;
        uint256 refund = terms.valueOf(quantity);
        emit ReturnRecorded(agreementId, shipmentId, quantity, refund);
        _credit(terms.asset, a.buyer, refund);
    }

    // ------------------------------------------------------------------ force majeure

    /// @inheritdoc ISupplyAgreements
    function claimForceMajeure(uint256 agreementId, Terms calldata terms, bytes32 evidenceHash) external {
        Agreement storage a = _inStatus(agreementId, terms, AgreementStatus.Active);
        if (!terms.forceMajeure) revert AgreementForceMajeureExcluded(agreementId);
        AgreementParty party = _partyOf(agreementId, terms);
        uint8 flag = party == AgreementParty.Supplier ? SUPPLIER_FM_CLAIMED : CARRIER_FM_CLAIMED;
        if (a.flags & flag != 0) revert AgreementAlreadyDone(agreementId, party);
        if (evidenceHash == bytes32(0)) revert AgreementEmptyHash();
        a.flags |= flag;
        if (party == AgreementParty.Supplier) a.supplierFmAt = uint32(block.timestamp);
        else a.carrierFmAt = uint32(block.timestamp);
        emit ForceMajeureClaimed(agreementId, party, evidenceHash);
    }

    /// @inheritdoc ISupplyAgreements
    function ruleForceMajeure(
        uint256 agreementId,
        Terms calldata terms,
        AgreementParty party,
        bool accepted,
        bytes32 reasonHash
    ) external onlyRegulator {
        Agreement storage a = _agreement(agreementId, terms);
        uint256 filedAt =
            party == AgreementParty.Supplier ? a.supplierFmAt : (party == AgreementParty.Carrier ? a.carrierFmAt : 0);
        if (filedAt == 0) revert AgreementNotDone(agreementId, party);
        uint256 deadline = filedAt + terms.rulingWindow;
        if (block.timestamp > deadline) revert AgreementTooLate(agreementId, deadline);
        if (reasonHash == bytes32(0)) revert AgreementEmptyHash();
        if (party == AgreementParty.Supplier) {
            a.supplierFmAt = 0;
            if (accepted) a.flags |= SUPPLIER_EXCUSED;
        } else {
            a.carrierFmAt = 0;
            if (accepted) a.flags |= CARRIER_EXCUSED;
        }
        emit ForceMajeureRuled(agreementId, party, accepted, reasonHash);
    }

    // ------------------------------------------------------------------ ending

    /// @inheritdoc ISupplyAgreements
    function terminate(uint256 agreementId, Terms calldata terms) external {
        Agreement storage a = _inStatus(agreementId, terms, AgreementStatus.Active);
        uint256 delivered = a.delivered;
        if (delivered == terms.quantity) revert AgreementDeliveryState(agreementId, delivered, terms.quantity);
        uint256 opensAt = uint256(terms.handOverDeadline) + terms.transitAllowance + terms.terminationDelay;
        if (block.timestamp <= opensAt) revert AgreementTooEarly(agreementId, opensAt);
        if (block.timestamp <= opensAt + terms.terminationDelay) _requireOrg(agreementId, BUYERS, terms.buyerOrgId);
        uint256 undelivered = terms.quantity - delivered;
        uint256 penalty = terms.latePenalty(
            undelivered,
            AgreementTerms.lateness(block.timestamp, terms.handOverDeadline)
        );
        a.supplierLate = terms.capped(a.supplierLate, penalty);
        a.status = AgreementStatus.Terminated;
        uint256 refund = terms.valueOf(undelivered) + terms.carrierFee - _earnedFee(terms, delivered);
        emit AgreementTerminated(agreementId, msg.sender, undelivered, refund);
        _credit(terms.asset, a.buyer, refund);
    }

    /// @inheritdoc ISupplyAgreements
    function settle(uint256 agreementId, Terms calldata terms) external {
        Agreement storage a = _agreement(agreementId, terms);
        if (a.status == AgreementStatus.Active) {
            if (a.delivered != terms.quantity) revert AgreementDeliveryState(agreementId, a.delivered, terms.quantity);
        } else if (a.status != AgreementStatus.Terminated) {
            revert AgreementUnexpectedStatus(agreementId, a.status);
        }
        _requireSettleable(agreementId, terms, a);
        Payout memory p = _payout(terms, a);
        a.status = AgreementStatus.Settled;
        _rate(
            terms.supplierOrgId,
            terms.asset,
            p.supplierPenalty,
            a.flags & SUPPLIER_EXCUSED == 0 && a.supplierLate != 0,
            a.supplierDefects
        );
        _rate(
            terms.carrierOrgId,
            terms.asset,
            p.carrierPenalty,
            a.flags & CARRIER_EXCUSED == 0 && a.carrierLate != 0,
            a.carrierDefects
        );
        emit AgreementSettled(agreementId, p.supplierPenalty, p.carrierPenalty, p.supplierCredit, p.carrierCredit);
        _credit(terms.asset, a.buyer, p.supplierPenalty + p.carrierPenalty);
        _credit(terms.asset, a.supplier, p.supplierCredit);
        _credit(terms.asset, a.carrier, p.carrierCredit);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISupplyAgreements
    function agreement(uint256 agreementId) external view returns (AgreementView memory v) {
        Agreement storage a = _agreements[agreementId];
        v.termsHash = a.termsHash;
        v.status = a.status;
        v.supplierSigned = a.flags & SUPPLIER_SIGNED != 0;
        v.carrierSigned = a.flags & CARRIER_SIGNED != 0;
        v.buyer = a.buyer;
        v.supplier = a.supplier;
        v.carrier = a.carrier;
        v.delivered = a.delivered;
        v.returned = a.returned;
        v.claimed = a.claimed;
        v.pendingReturn = a.pendingReturn;
        v.supplierDefects = a.supplierDefects;
        v.carrierDefects = a.carrierDefects;
        v.lastReceiptAt = a.lastReceiptAt;
        v.claimFiledAt = a.claimFiledAt;
        v.returnBy = a.returnBy;
        v.supplierForceMajeureAt = a.supplierFmAt;
        v.carrierForceMajeureAt = a.carrierFmAt;
        v.supplierExcused = a.flags & SUPPLIER_EXCUSED != 0;
        v.carrierExcused = a.flags & CARRIER_EXCUSED != 0;
        v.supplierLatePenalty = a.supplierLate;
        v.carrierLatePenalty = a.carrierLate;
    }

    /// @inheritdoc ISupplyAgreements
    function agreementRef(uint256 agreementId) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), agreementId));
    }

    /// @inheritdoc ISupplyAgreements
    function hashTerms(Terms calldata terms) external pure returns (bytes32) {
        return keccak256(abi.encode(terms));
    }

    /// @inheritdoc ISupplyAgreements
    function minimumCollateral(Terms calldata terms) external pure returns (uint256) {
        return terms.minimumCollateral();
    }

    /// @inheritdoc ISupplyAgreements
    function reputationOf(uint32 orgId) external view returns (Reputation memory) {
        return _reputations[orgId];
    }

    /// @inheritdoc ISupplyAgreements
    function penaltiesPaid(uint32 orgId, address asset) external view returns (uint256) {
        return _penaltiesPaid[orgId][asset];
    }

    /// @inheritdoc ISupplyAgreements
    function agreementCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc ISupplyAgreements
    function shipmentUse(bytes32 shipmentId) external view returns (uint8) {
        return _shipmentUse[shipmentId];
    }

    /// @inheritdoc ISupplyAgreements
    function ledger() external view returns (IBatchLedger) {
        return _ledger;
    }

    /// @inheritdoc ISupplyAgreements
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ internals

    /// @dev Reverts unless the proposed terms are valid for a buyer acting for `orgId`.
    function _validate(Terms calldata terms, uint32 orgId) private view {
        if (
            terms.buyerOrgId != orgId ||
            terms.supplierOrgId == 0 ||
            terms.carrierOrgId == 0 ||
            terms.supplierOrgId == orgId ||
            terms.carrierOrgId == orgId ||
            terms.supplierOrgId == terms.carrierOrgId
        ) revert AgreementInvalidTerms(TermsDefect.Parties);
        if (terms.quantity == 0) revert AgreementInvalidTerms(TermsDefect.Quantity);
        if (terms.unitPrice == 0 || terms.valueOf(terms.quantity) + terms.carrierFee > type(uint128).max) {
            revert AgreementInvalidTerms(TermsDefect.Price);
        }
        if (terms.handOverDeadline <= block.timestamp) revert AgreementInvalidTerms(TermsDefect.Deadline);
        if (terms.penaltyPeriod == 0 || terms.inspectionWindow == 0 || terms.rulingWindow == 0) {
            revert AgreementInvalidTerms(TermsDefect.Periods);
        }
        uint256 bps = AgreementTerms.BPS;
        if (terms.penaltyBps > bps || terms.penaltyCapBps > bps || terms.defectBps > bps) {
            revert AgreementInvalidTerms(TermsDefect.BasisPoints);
        }
        uint256 minimum = terms.minimumCollateral();
        if (terms.supplierCollateral < minimum) revert AgreementInvalidTerms(TermsDefect.SupplierCollateral);
        if (terms.carrierCollateral < minimum) revert AgreementInvalidTerms(TermsDefect.CarrierCollateral);
        _requireApprovedAsset(terms.asset);
    }

    /// @dev The agreement whose stored hash `terms` match.
    function _agreement(uint256 agreementId, Terms calldata terms) private view returns (Agreement storage a) {
        a = _agreements[agreementId];
        if (keccak256(abi.encode(terms)) != a.termsHash) revert AgreementTermsMismatch(agreementId);
    }

    /// @dev {_agreement}, in `status`.
    function _inStatus(
        uint256 agreementId,
        Terms calldata terms,
        AgreementStatus status
    ) private view returns (Agreement storage a) {
        a = _agreement(agreementId, terms);
        if (a.status != status) revert AgreementUnexpectedStatus(agreementId, a.status);
    }

    /// @dev {_agreement}, with a claim open.
    function _openClaim(uint256 agreementId, Terms calldata terms) private view returns (Agreement storage a) {
        a = _agreement(agreementId, terms);
        if (a.claimed == 0) revert AgreementNoClaim(agreementId);
    }

    /// @dev Reverts unless the caller acts in one of `roleMask` for `orgId`.
    function _requireOrg(uint256 agreementId, uint16 roleMask, uint32 orgId) private view {
        (uint32 callerOrg, ) = _requirePermitted(msg.sender, roleMask);
        if (callerOrg != orgId) revert AgreementNotParty(agreementId, msg.sender);
    }

    /// @dev Which of the supplier and the carrier the caller acts for.
    function _partyOf(uint256 agreementId, Terms calldata terms) private view returns (AgreementParty) {
        (uint32 orgId, uint16 roles) = _requirePermitted(msg.sender, SUPPLIERS | CARRIERS);
        if (orgId == terms.supplierOrgId && roles & SUPPLIERS != 0) return AgreementParty.Supplier;
        if (orgId == terms.carrierOrgId && roles & CARRIERS != 0) return AgreementParty.Carrier;
        revert AgreementNotParty(agreementId, msg.sender);
    }

    /// @dev Collects `amount` of `asset` from the caller, all of it.
    function _collectInFull(address asset, uint256 amount) private {
        uint256 received = _collect(asset, msg.sender, amount);
        if (received != amount) revert AgreementShortPayment(asset, amount, received);
    }

    /// @dev The shipment's id, once it is a delivery of this agreement (reference and the three parties).
    function _deliveryShipment(
        uint256 agreementId,
        Terms calldata terms,
        IBatchLedger.Shipment calldata shipment
    ) private view returns (bytes32 shipmentId) {
        shipmentId = keccak256(abi.encode(shipment));
        if (
            shipment.ref != agreementRef(agreementId) ||
            shipment.fromOrgId != terms.supplierOrgId ||
            shipment.toOrgId != terms.buyerOrgId ||
            shipment.carrierOrgId != terms.carrierOrgId
        ) revert AgreementForeignShipment(agreementId, shipmentId);
    }

    /// @dev When the shipment arrived and which clocks ran, from the ledger's record.
    function _arrival(
        bytes32 shipmentId,
        IBatchLedger.Shipment calldata shipment,
        bool flagged
    ) private view returns (Arrival memory arrival) {
        IBatchLedger.ShipmentRecord memory record = _ledger.shipmentState(shipmentId);
        if (record.status == ShipmentStatus.Received || record.status == ShipmentStatus.Settled) {
            arrival.quantity = record.received;
            arrival.receiptAt = record.answeredAt;
            arrival.transitEnd = record.deliveredAt != 0 ? record.deliveredAt : record.answeredAt;
        } else if (
            record.status == ShipmentStatus.Delivered && block.timestamp > uint256(record.deliveredAt) + _receiptWindow
        ) {
            // The buyer stayed silent past the receipt window: the delivery record stands.
            arrival.quantity = shipment.quantity;
            arrival.receiptAt = uint256(record.deliveredAt) + _receiptWindow;
            arrival.transitEnd = record.deliveredAt;
        } else {
            revert AgreementUnexpectedShipmentStatus(shipmentId, record.status);
        }
        arrival.shippedAt = record.shippedAt;
        if (flagged) arrival.carrierFrom = arrival.shippedAt + PICK_UP_WINDOW;
        else arrival.carrierFrom = record.pickedUpAt != 0 ? record.pickedUpAt : arrival.transitEnd;
    }

    /// @dev The shipment's id, once it is a return of this agreement: its reference, from the buyer, of the
    /// agreement's product, to the supplier or the batch's maker.
    function _returnShipment(
        uint256 agreementId,
        Terms calldata terms,
        IBatchLedger.Shipment calldata shipment
    ) private view returns (bytes32 shipmentId) {
        shipmentId = keccak256(abi.encode(shipment));
        IBatchLedger.BatchView memory b = _ledger.batch(shipment.batchId);
        if (
            shipment.ref != agreementRef(agreementId) ||
            shipment.fromOrgId != terms.buyerOrgId ||
            b.gtin != terms.gtin ||
            (shipment.toOrgId != terms.supplierOrgId && shipment.toOrgId != b.makerOrgId)
        ) revert AgreementForeignShipment(agreementId, shipmentId);
    }

    /// @dev What of a return shipment its recipient has, from the ledger's record: what it received (or a regulator
    /// stated received), or, past the receipt window after the carrier's delivery record with no answer, the quantity
    /// shipped (the delivery record stands). Reverts for a return still on its way, held, refused, back with the buyer
    /// or reclaimed by it.
    function _returnArrived(
        uint256 agreementId,
        bytes32 shipmentId,
        IBatchLedger.Shipment calldata shipment
    ) private view returns (uint256) {
        IBatchLedger.ShipmentRecord memory record = _ledger.shipmentState(shipmentId);
        if (record.status == ShipmentStatus.Received || record.status == ShipmentStatus.Settled) {
            return record.received;
        }
        if (record.status != ShipmentStatus.Delivered) {
            revert AgreementUnexpectedShipmentStatus(shipmentId, record.status);
        }
        uint256 windowEnds = uint256(record.deliveredAt) + _receiptWindow;
        if (block.timestamp <= windowEnds) revert AgreementTooEarly(agreementId, windowEnds);
        return shipment.quantity;
    }

    /// @dev Rejected goods the buyer is to return: delivered back within the inspection window, the recipient then
    /// has the ledger's receipt window to answer; unreturned by then, they count as accepted at settlement.
    function _awaitReturn(Agreement storage a, Terms calldata terms, uint40 quantity) private {
        a.pendingReturn += quantity;
        uint256 returnBy = block.timestamp + terms.inspectionWindow + _receiptWindow;
        // Saturates rather than wraps: windows that long already hold settlement back (the inspection window).
        a.returnBy = returnBy > type(uint32).max ? type(uint32).max : uint32(returnBy);
    }

    /// @dev Reverts while a settlement would be premature.
    function _requireSettleable(uint256 agreementId, Terms calldata terms, Agreement storage a) private view {
        if (a.claimed != 0) revert AgreementClaimOpen(agreementId);
        if (a.supplierFmAt != 0 && block.timestamp <= uint256(a.supplierFmAt) + terms.rulingWindow) {
            revert AgreementForceMajeurePending(agreementId, AgreementParty.Supplier);
        }
        if (a.carrierFmAt != 0 && block.timestamp <= uint256(a.carrierFmAt) + terms.rulingWindow) {
            revert AgreementForceMajeurePending(agreementId, AgreementParty.Carrier);
        }
        uint256 inspectionEnds = uint256(a.lastReceiptAt) + terms.inspectionWindow;
        if (block.timestamp <= inspectionEnds) revert AgreementTooEarly(agreementId, inspectionEnds);
        if (a.pendingReturn != 0 && block.timestamp <= a.returnBy) revert AgreementTooEarly(agreementId, a.returnBy);
    }

    /// @dev What settlement credits. Penalties never exceed collateral: late penalties are capped and the defect
    /// penalties cover at most the delivered quantity, and collateral covers both (checked when proposed).
    function _payout(Terms calldata terms, Agreement storage a) private view returns (Payout memory p) {
        p.supplierPenalty =
            (a.flags & SUPPLIER_EXCUSED != 0 ? 0 : a.supplierLate) + terms.defectPenalty(a.supplierDefects);
        p.carrierPenalty = (a.flags & CARRIER_EXCUSED != 0 ? 0 : a.carrierLate) + terms.defectPenalty(a.carrierDefects);
        // Unreturned rejected goods count as accepted.
        p.supplierCredit = terms.valueOf(a.delivered - a.returned) + terms.supplierCollateral - p.supplierPenalty;
        p.carrierCredit = _earnedFee(terms, a.delivered) + terms.carrierCollateral - p.carrierPenalty;
    }

    /// @dev The carrier's fee for `delivered` of the quantity (rounded down; the rest goes back to the buyer).
    function _earnedFee(Terms calldata terms, uint256 delivered) private pure returns (uint256) {
        return (uint256(terms.carrierFee) * delivered) / terms.quantity;
    }

    /// @dev Updates an organisation's reputation at settlement.
    function _rate(uint32 orgId, address asset, uint256 penalty, bool late, uint40 defects) private {
        Reputation storage r = _reputations[orgId];
        if (late) ++r.late;
        else if (defects == 0) ++r.fulfilled;
        if (penalty != 0) _penaltiesPaid[orgId][asset] += penalty;
    }
}
