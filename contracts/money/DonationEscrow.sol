// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AllianceGated} from "../alliance/AllianceGated.sol";
import {OrganisationStatus, Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {IProductCatalog} from "../trace/IProductCatalog.sol";
import {BatchStatus, Category, ShipmentStatus} from "../trace/TraceTypes.sol";
import {AssetVault} from "./AssetVault.sol";
import {IDonationEscrow} from "./IDonationEscrow.sol";

/// @title DonationEscrow
/// @notice Needs, gifts, the pool, offers and pledges, release on proven receipt, refunds. See {IDonationEscrow}.
/// @dev Storage is laid out for the gas budgets: a gift reads need slots 0 and 1 and writes slot 2; a release reads
/// slots 0 and 1 and writes slot 3 and the offer; a refund reads slots 0 and 3 and writes slot 2 (non-zero since
/// posting, so a first refund writes no fresh slot). Reads the ledger only; it is not a ledger module.
contract DonationEscrow is IDonationEscrow, AssetVault {
    using SafeCast for uint256;

    /// @notice The furthest a need's (or pool round's) deadline may lie ahead.
    uint32 public constant MAX_NEED_DURATION = 365 days;
    /// @notice The longest an offer or pledge may run after its need's deadline (goods ordered late still arrive).
    uint32 public constant MAX_DELIVERY_TAIL = 60 days;
    /// @notice After an accepted offer's expiry, how long only its maker may close it: time for goods shipped by the
    /// expiry to be received and released. Afterwards anyone may close it and free the rest of its reservation.
    uint32 public constant RELEASE_GRACE = 14 days;

    /// @dev Roles that may offer goods for money.
    uint16 private constant _OFFERERS = Roles.SUPPLIER | Roles.MANUFACTURER | Roles.DISTRIBUTOR;
    /// @dev Roles that may post needs.
    uint16 private constant _POSTERS = Roles.HOSPITAL | Roles.AGENCY;

    struct Need {
        // slot 0: what every call reads
        address asset; // address(0) for ETH
        uint48 gtin; // GTIN-14 (< 10**14 < 2**47); zero for a category need
        uint32 deadline; // gifts and offers up to it, inclusive
        NeedStatus status; // stored: Posted, Rejected, Open, Cancelled (Lapsed and Closed are derived)
        uint8 urgency; // 1 to 5
        // slot 1: terms, and what pledges write
        uint32 posterOrgId;
        uint32 beneficiaryOrgId;
        uint32 postedAt;
        uint32 minShelfLife; // seconds
        uint88 maxUnitPrice; // quantity × maxUnitPrice < 2**96
        Category category; // None for a GTIN need
        uint32 inKind; // quantity received from pledges
        // slot 2: what gifts and refunds write (non-zero from posting, so a first write is never a new slot)
        uint96 raised; // sum of all donors' `given`
        uint96 returned; // refunded or redirected to donors
        uint32 quantity;
        uint32 openDonors; // donors (the pool counting once per round) not yet settled
        // slot 3: what offers and releases write
        uint96 reserved;
        uint96 released;
        uint32 committed; // quantity of accepted offers, delivered or reserved
    }

    struct Offer {
        // slot 0
        address maker; // the offering account; collects the earnings
        uint32 makerOrgId;
        uint32 expiresAt; // goods shipped by then
        OfferStatus status; // stored: Proposed, Active, Withdrawn, Closed (Expired is derived)
        // slot 1
        uint96 unitPrice; // zero for a pledge
        uint32 remaining; // quantity still to deliver
        uint96 earned; // released, not yet collected
        uint32 needId;
    }

    struct Gift {
        uint96 given;
        uint96 claimed;
        bool settled;
    }

    struct Pool {
        // slot 0
        address asset;
        uint32 deadline;
        uint32 openDonors; // donors not yet settled
        // slot 1
        uint96 raised;
        uint96 allocated;
        uint32 openAllocations;
        // slot 2
        uint96 returned;
        uint96 paid;
    }

    struct Counters {
        uint64 needs;
        uint64 offers;
        uint64 pools;
    }

    /// @dev The result of checking a shipment against an offer or pledge.
    struct Receipt {
        bytes32 shipmentId;
        uint32 quantity; // min(received, remaining)
    }

    IBatchLedger private immutable _ledger;
    IProductCatalog private immutable _catalog;
    uint32 private immutable _verificationWindow;

    Counters private _counters;
    mapping(uint256 needId => Need) private _needs;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 poolId => Pool) private _pools;
    mapping(uint256 needId => mapping(address donor => Gift)) private _gifts;
    mapping(uint256 needId => mapping(uint256 poolId => Gift)) private _poolShares;
    mapping(uint256 poolId => mapping(address donor => Gift)) private _poolGifts;
    mapping(bytes32 shipmentId => bool used) private _usedShipments;
    mapping(uint32 orgId => uint256 quantity) private _inKindGiven;

    /// @param registry The alliance registry.
    /// @param batchLedger The batch ledger shipments are read from.
    /// @param verificationWindow_ Seconds a regulator has after posting to verify a need (1 second to 90 days).
    constructor(
        IAllianceRegistry registry,
        IBatchLedger batchLedger,
        uint32 verificationWindow_
    ) AllianceGated(registry) {
        bool invalid = address(batchLedger) == address(0) || verificationWindow_ == 0 || verificationWindow_ > 90 days;
        if (invalid) revert EscrowInvalidConfiguration();
        _ledger = batchLedger;
        _catalog = batchLedger.catalog();
        _verificationWindow = verificationWindow_;
    }

    // ------------------------------------------------------------------------------------------------ needs

    /// @inheritdoc IDonationEscrow
    function postNeed(NeedRequest calldata request) external whenAllianceNotPaused returns (uint256 needId) {
        (uint32 posterOrgId, uint32 beneficiary) = _checkPoster(request.beneficiaryOrgId);
        if ((request.gtin == 0) == (request.category == Category.None) || request.gtin > type(uint48).max) {
            revert EscrowInvalidProduct(request.gtin, request.category);
        }
        if (
            request.quantity == 0 ||
            request.urgency == 0 ||
            request.urgency > 5 ||
            request.maxUnitPrice == 0 ||
            uint256(request.quantity) * request.maxUnitPrice > type(uint96).max
        ) revert EscrowInvalidTerms(request.quantity, request.urgency, request.maxUnitPrice);
        _checkDeadline(request.deadline, block.timestamp + MAX_NEED_DURATION);
        _requireApprovedAsset(request.asset);

        needId = ++_counters.needs;
        Need storage n = _needs[needId];
        n.asset = request.asset;
        n.gtin = uint48(request.gtin);
        n.deadline = request.deadline;
        n.status = NeedStatus.Posted;
        n.urgency = request.urgency;
        n.posterOrgId = posterOrgId;
        n.beneficiaryOrgId = beneficiary;
        n.postedAt = uint32(block.timestamp);
        n.minShelfLife = request.minShelfLife;
        // Checked above: quantity ≥ 1 and quantity × price < 2**96, so the price fits 88 bits.
        n.maxUnitPrice = uint88(request.maxUnitPrice);
        n.category = request.category;
        n.quantity = request.quantity;
        emit NeedPosted(needId, posterOrgId, beneficiary, request);
    }

    /// @inheritdoc IDonationEscrow
    function verifyNeed(uint256 needId) external onlyRegulator {
        Need storage n = _existingNeed(needId);
        NeedStatus status = _status(n);
        if (status != NeedStatus.Posted) revert EscrowNeedNotOpen(needId, status);
        n.status = NeedStatus.Open;
        emit NeedVerified(needId, msg.sender);
    }

    /// @inheritdoc IDonationEscrow
    function rejectNeed(uint256 needId, bytes32 reasonHash) external onlyRegulator {
        Need storage n = _existingNeed(needId);
        if (reasonHash == bytes32(0)) revert EscrowMissingReason();
        NeedStatus status = _status(n);
        if (status != NeedStatus.Posted && status != NeedStatus.Lapsed) revert EscrowNeedNotOpen(needId, status);
        n.status = NeedStatus.Rejected;
        emit NeedRejected(needId, msg.sender, reasonHash);
    }

    /// @inheritdoc IDonationEscrow
    function cancelNeed(uint256 needId, bytes32 reasonHash) external {
        Need storage n = _existingNeed(needId);
        _requirePoster(needId, n);
        NeedStatus status = _status(n);
        if (status != NeedStatus.Posted && status != NeedStatus.Lapsed && status != NeedStatus.Open) {
            revert EscrowNeedNotOpen(needId, status);
        }
        n.status = NeedStatus.Cancelled;
        emit NeedCancelled(needId, msg.sender, reasonHash);
    }

    // ------------------------------------------------------------------------------------------------ gifts

    /// @inheritdoc IDonationEscrow
    function donate(
        uint256 needId,
        uint256 amount
    ) external payable whenAllianceNotPaused nonReentrant returns (uint256 accepted) {
        Need storage n = _openNeed(needId);
        if (amount == 0) revert EscrowZeroAmount();
        address asset = n.asset;
        uint256 received = _collect(asset, msg.sender, amount);
        accepted = _give(needId, n, asset, msg.sender, received);
    }

    /// @inheritdoc IDonationEscrow
    function refund(uint256 needId) external nonReentrant returns (uint256 amount) {
        Need storage n = _existingNeed(needId);
        bool settled;
        (amount, settled) = _claimShare(needId, n, _gifts[needId][msg.sender], msg.sender);
        emit Refunded(needId, msg.sender, amount, settled);
        _payOut(n.asset, msg.sender, amount);
    }

    /// @inheritdoc IDonationEscrow
    function redirect(
        uint256 fromNeedId,
        uint256 toNeedId
    ) external whenAllianceNotPaused nonReentrant returns (uint256 accepted) {
        if (fromNeedId == toNeedId) revert EscrowSameNeed(toNeedId);
        Need storage from = _existingNeed(fromNeedId);
        Need storage to = _openNeed(toNeedId);
        if (to.asset != from.asset) revert EscrowAssetMismatch(to.asset, from.asset);
        (uint256 amount, ) = _claimShare(fromNeedId, from, _gifts[fromNeedId][msg.sender], msg.sender);
        if (amount == 0) revert EscrowNothingToRefund(fromNeedId, msg.sender);
        emit Redirected(fromNeedId, toNeedId, msg.sender, amount);
        accepted = _give(toNeedId, to, to.asset, msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------ pool

    /// @inheritdoc IDonationEscrow
    function openPool(address asset, uint32 deadline) external onlyGovernor returns (uint256 poolId) {
        _requireApprovedAsset(asset);
        _checkDeadline(deadline, block.timestamp + MAX_NEED_DURATION);
        poolId = ++_counters.pools;
        Pool storage p = _pools[poolId];
        p.asset = asset;
        p.deadline = deadline;
        emit PoolOpened(poolId, asset, deadline);
    }

    /// @inheritdoc IDonationEscrow
    function donateToPool(
        uint256 poolId,
        uint256 amount
    ) external payable whenAllianceNotPaused nonReentrant returns (uint256 received) {
        Pool storage p = _openPool(poolId);
        if (amount == 0) revert EscrowZeroAmount();
        received = _collect(p.asset, msg.sender, amount);
        Gift storage gift = _poolGifts[poolId][msg.sender];
        if (gift.given == 0) ++p.openDonors;
        gift.given += received.toUint96();
        p.raised += received.toUint96();
        emit PoolDonated(poolId, msg.sender, received);
    }

    /// @inheritdoc IDonationEscrow
    function allocate(uint256 poolId, uint256 needId, uint256 amount) external whenAllianceNotPaused onlyGovernor {
        Pool storage p = _openPool(poolId);
        Need storage n = _openNeed(needId);
        if (p.asset != n.asset) revert EscrowAssetMismatch(n.asset, p.asset);
        uint256 needLacks = _lacks(n);
        uint256 available = uint256(p.raised) + p.returned - p.allocated;
        if (amount == 0 || amount > needLacks || amount > available) {
            revert EscrowAllocationTooLarge(amount, needLacks, available);
        }
        Gift storage share = _poolShares[needId][poolId];
        if (share.given == 0) {
            ++n.openDonors;
            ++p.openAllocations;
        }
        // Checked above: amount ≤ needLacks, and the need's raised stays within its target (< 2**96).
        share.given += uint96(amount);
        n.raised += uint96(amount);
        p.allocated += amount.toUint96();
        emit PoolAllocated(poolId, needId, msg.sender, amount);
    }

    /// @inheritdoc IDonationEscrow
    function returnPoolShare(uint256 needId, uint256 poolId) external returns (uint256 amount) {
        Need storage n = _existingNeed(needId);
        Pool storage p = _existingPool(poolId);
        bool settled;
        (amount, settled) = _claimShare(needId, n, _poolShares[needId][poolId], address(0));
        // Bounded by the need's 96-bit raised.
        p.returned += uint96(amount);
        if (settled) --p.openAllocations;
        emit PoolShareReturned(poolId, needId, amount, settled);
    }

    /// @inheritdoc IDonationEscrow
    function refundFromPool(uint256 poolId) external nonReentrant returns (uint256 amount) {
        Pool storage p = _existingPool(poolId);
        if (block.timestamp <= p.deadline) revert EscrowPoolNotOpen(poolId, p.deadline);
        Gift storage gift = _poolGifts[poolId][msg.sender];
        if (gift.given == 0 || gift.settled) revert EscrowNothingToRefund(poolId, msg.sender);
        uint256 returnable = uint256(p.raised) + p.returned - p.allocated;
        amount = (uint256(gift.given) * returnable) / p.raised - gift.claimed;
        bool settled = p.openAllocations == 0;
        if (settled) {
            // The last donor to settle takes what the others' rounding left.
            if (p.openDonors == 1) amount = returnable - p.paid;
            --p.openDonors;
            gift.settled = true;
        } else if (amount == 0) {
            revert EscrowNothingToRefund(poolId, msg.sender);
        }
        // Bounded by the pool's returnable amount, which fits 96 bits.
        gift.claimed += uint96(amount);
        p.paid += uint96(amount);
        emit PoolRefunded(poolId, msg.sender, amount, settled);
        _payOut(p.asset, msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------ offers

    /// @inheritdoc IDonationEscrow
    function makeOffer(
        uint256 needId,
        uint32 quantity,
        uint96 unitPrice,
        uint32 expiresAt
    ) external whenAllianceNotPaused returns (uint256 offerId) {
        (uint32 orgId, ) = _requirePermitted(msg.sender, _OFFERERS);
        Need storage n = _openNeed(needId);
        if (unitPrice == 0 || unitPrice > n.maxUnitPrice) revert EscrowPriceTooHigh(unitPrice, n.maxUnitPrice);
        offerId = _newOffer(needId, n, orgId, quantity, unitPrice, expiresAt);
        emit OfferMade(offerId, needId, orgId, msg.sender, quantity, unitPrice, expiresAt);
    }

    /// @inheritdoc IDonationEscrow
    function pledge(
        uint256 needId,
        uint32 quantity,
        uint32 expiresAt
    ) external whenAllianceNotPaused returns (uint256 pledgeId) {
        (uint32 orgId, ) = _requirePermitted(msg.sender, Roles.HOLDERS);
        Need storage n = _openNeed(needId);
        pledgeId = _newOffer(needId, n, orgId, quantity, 0, expiresAt);
        emit Pledged(pledgeId, needId, orgId, msg.sender, quantity, expiresAt);
    }

    /// @inheritdoc IDonationEscrow
    function acceptOffer(uint256 offerId) external whenAllianceNotPaused {
        Offer storage o = _existingOffer(offerId);
        uint256 needId = o.needId;
        Need storage n = _openNeed(needId);
        _requirePoster(needId, n);
        OfferStatus status = _offerStatus(o);
        if (status != OfferStatus.Proposed) revert EscrowOfferNotActive(offerId, status);
        uint32 quantity = o.remaining;
        uint32 available = _available(n);
        if (quantity > available) revert EscrowQuantityTooLarge(quantity, available);
        uint256 amount = uint256(quantity) * o.unitPrice;
        uint256 unreserved = uint256(n.raised) - n.reserved - n.released;
        if (amount > unreserved) revert EscrowInsufficientFunds(amount, unreserved);
        o.status = OfferStatus.Active;
        // Bounded by the need's 96-bit raised (checked above).
        n.reserved += uint96(amount);
        n.committed += quantity;
        emit OfferAccepted(offerId, needId, msg.sender, amount);
    }

    /// @inheritdoc IDonationEscrow
    function withdrawOffer(uint256 offerId) external {
        Offer storage o = _existingOffer(offerId);
        if (msg.sender != o.maker) revert EscrowNotOfferMaker(offerId, msg.sender);
        OfferStatus status = _offerStatus(o);
        bool isPledge = o.unitPrice == 0;
        if (
            !(status == OfferStatus.Proposed ||
                status == OfferStatus.Expired ||
                (isPledge && status == OfferStatus.Active))
        ) revert EscrowOfferNotActive(offerId, status);
        o.status = OfferStatus.Withdrawn;
        emit OfferWithdrawn(offerId, o.needId);
    }

    /// @inheritdoc IDonationEscrow
    function closeOffer(uint256 offerId) external {
        Offer storage o = _activeOffer(offerId, false);
        uint256 closableAt = uint256(o.expiresAt) + RELEASE_GRACE;
        if (msg.sender != o.maker && block.timestamp <= closableAt) revert EscrowOfferStillRunning(offerId, closableAt);
        uint32 quantity = o.remaining;
        uint256 amount = uint256(quantity) * o.unitPrice;
        o.remaining = 0;
        o.status = OfferStatus.Closed;
        Need storage n = _needs[o.needId];
        // The offer's reservation is part of the need's: amount ≤ reserved, quantity ≤ committed.
        n.reserved -= uint96(amount);
        n.committed -= quantity;
        emit OfferClosed(offerId, o.needId, quantity, amount);
    }

    /// @inheritdoc IDonationEscrow
    function release(uint256 offerId, IBatchLedger.Shipment calldata shipment) external returns (uint256 amount) {
        Offer storage o = _activeOffer(offerId, false);
        uint256 needId = o.needId;
        Need storage n = _needs[needId];
        Receipt memory receipt = _checkShipment(offerId, o, n, shipment);
        // quantity ≤ remaining, and remaining × price is part of the need's 96-bit reservation.
        amount = uint256(receipt.quantity) * o.unitPrice;
        unchecked {
            // receipt.quantity ≤ remaining by construction.
            o.remaining -= receipt.quantity;
        }
        o.earned += uint96(amount);
        n.reserved -= uint96(amount);
        n.released += uint96(amount);
        emit Released(offerId, needId, receipt.shipmentId, receipt.quantity, amount);
    }

    /// @inheritdoc IDonationEscrow
    function recordPledgeReceipt(
        uint256 pledgeId,
        IBatchLedger.Shipment calldata shipment
    ) external returns (uint32 quantity) {
        Offer storage o = _activeOffer(pledgeId, true);
        uint256 needId = o.needId;
        Need storage n = _needs[needId];
        Receipt memory receipt = _checkShipment(pledgeId, o, n, shipment);
        quantity = receipt.quantity;
        unchecked {
            // quantity ≤ remaining by construction.
            o.remaining -= quantity;
        }
        n.inKind += quantity;
        _inKindGiven[o.makerOrgId] += quantity;
        emit PledgeReceived(pledgeId, needId, receipt.shipmentId, o.makerOrgId, quantity);
    }

    /// @inheritdoc IDonationEscrow
    function collectEarnings(uint256 offerId) external nonReentrant returns (uint256 amount) {
        Offer storage o = _existingOffer(offerId);
        if (msg.sender != o.maker) revert EscrowNotOfferMaker(offerId, msg.sender);
        amount = o.earned;
        if (amount == 0) revert EscrowNothingToCollect(offerId);
        o.earned = 0;
        address asset = _needs[o.needId].asset;
        emit EarningsCollected(offerId, msg.sender, asset, amount);
        _payOut(asset, msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------ views

    /// @inheritdoc IDonationEscrow
    function need(uint256 needId) external view returns (NeedView memory view_) {
        Need storage n = _existingNeed(needId);
        view_.status = _status(n);
        view_.posterOrgId = n.posterOrgId;
        view_.beneficiaryOrgId = n.beneficiaryOrgId;
        view_.gtin = n.gtin;
        view_.category = n.category;
        view_.urgency = n.urgency;
        view_.postedAt = n.postedAt;
        view_.deadline = n.deadline;
        view_.minShelfLife = n.minShelfLife;
        view_.asset = n.asset;
        view_.maxUnitPrice = n.maxUnitPrice;
        view_.quantity = n.quantity;
        view_.committed = n.committed;
        view_.inKind = n.inKind;
        view_.target = uint96(_target(n));
        view_.raised = n.raised;
        view_.reserved = n.reserved;
        view_.released = n.released;
        view_.returned = n.returned;
        view_.openDonors = n.openDonors;
    }

    /// @inheritdoc IDonationEscrow
    function needStatus(uint256 needId) external view returns (NeedStatus) {
        return _status(_needs[needId]);
    }

    /// @inheritdoc IDonationEscrow
    function lacks(uint256 needId) external view returns (uint256) {
        return _lacks(_existingNeed(needId));
    }

    /// @inheritdoc IDonationEscrow
    function offer(uint256 offerId) external view returns (OfferView memory) {
        Offer storage o = _existingOffer(offerId);
        return
            OfferView({
                status: _offerStatus(o),
                needId: o.needId,
                maker: o.maker,
                makerOrgId: o.makerOrgId,
                expiresAt: o.expiresAt,
                unitPrice: o.unitPrice,
                remaining: o.remaining,
                earned: o.earned
            });
    }

    /// @inheritdoc IDonationEscrow
    function giftOf(uint256 needId, address donor) external view returns (GiftView memory) {
        return _giftView(_gifts[needId][donor]);
    }

    /// @inheritdoc IDonationEscrow
    function poolShareOf(uint256 needId, uint256 poolId) external view returns (GiftView memory) {
        return _giftView(_poolShares[needId][poolId]);
    }

    /// @inheritdoc IDonationEscrow
    function refundableOf(uint256 needId, address donor) external view returns (uint256) {
        Need storage n = _needs[needId];
        NeedStatus status = _status(n);
        Gift storage gift = _gifts[needId][donor];
        if ((status != NeedStatus.Closed && status != NeedStatus.Cancelled) || gift.given == 0 || gift.settled) {
            return 0;
        }
        uint256 returnable = uint256(n.raised) - n.released - n.reserved;
        if (n.reserved == 0 && n.openDonors == 1) return returnable - n.returned;
        return (uint256(gift.given) * returnable) / n.raised - gift.claimed;
    }

    /// @inheritdoc IDonationEscrow
    function pool(uint256 poolId) external view returns (PoolView memory) {
        Pool storage p = _existingPool(poolId);
        return
            PoolView({
                asset: p.asset,
                deadline: p.deadline,
                raised: p.raised,
                allocated: p.allocated,
                returned: p.returned,
                paid: p.paid,
                openAllocations: p.openAllocations,
                openDonors: p.openDonors
            });
    }

    /// @inheritdoc IDonationEscrow
    function poolGiftOf(uint256 poolId, address donor) external view returns (GiftView memory) {
        return _giftView(_poolGifts[poolId][donor]);
    }

    /// @inheritdoc IDonationEscrow
    function inKindGivenBy(uint32 orgId) external view returns (uint256) {
        return _inKindGiven[orgId];
    }

    /// @inheritdoc IDonationEscrow
    function isShipmentUsed(bytes32 shipmentId) external view returns (bool) {
        return _usedShipments[shipmentId];
    }

    /// @inheritdoc IDonationEscrow
    function refOf(uint256 offerId) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), offerId));
    }

    /// @inheritdoc IDonationEscrow
    function counts() external view returns (uint256 needs, uint256 offers, uint256 pools) {
        Counters memory c = _counters;
        return (c.needs, c.offers, c.pools);
    }

    /// @inheritdoc IDonationEscrow
    function verificationWindow() external view returns (uint32) {
        return _verificationWindow;
    }

    /// @inheritdoc IDonationEscrow
    function ledger() external view returns (IBatchLedger) {
        return _ledger;
    }

    /// @inheritdoc IDonationEscrow
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------------------------------------ internal

    /// @dev The caller's organisation and the beneficiary of a need it posts: its own organisation as HOSPITAL, or an
    /// Active hospital it names as AGENCY.
    function _checkPoster(uint32 beneficiaryOrgId) private view returns (uint32 orgId, uint32 beneficiary) {
        uint16 roles;
        (orgId, roles) = _requirePermitted(msg.sender, _POSTERS);
        if (beneficiaryOrgId == 0 || beneficiaryOrgId == orgId) {
            if (roles & Roles.HOSPITAL == 0) revert EscrowInvalidBeneficiary(beneficiaryOrgId);
            return (orgId, orgId);
        }
        if (roles & Roles.AGENCY == 0) revert EscrowInvalidBeneficiary(beneficiaryOrgId);
        (OrganisationStatus status, uint16 beneficiaryRoles) = alliance().standing(beneficiaryOrgId);
        if (status != OrganisationStatus.Active || beneficiaryRoles & Roles.HOSPITAL == 0) {
            revert EscrowInvalidBeneficiary(beneficiaryOrgId);
        }
        return (orgId, beneficiaryOrgId);
    }

    /// @dev Reverts unless the caller acts now for the need's poster.
    function _requirePoster(uint256 needId, Need storage n) private view {
        (uint32 orgId, ) = alliance().permittedOrganisation(msg.sender, _POSTERS);
        if (orgId == 0 || orgId != n.posterOrgId) revert EscrowNotPoster(needId, msg.sender);
    }

    /// @dev Reverts unless `deadline` lies after now and at most at `latest`.
    function _checkDeadline(uint32 deadline, uint256 latest) private view {
        if (deadline <= block.timestamp || deadline > latest) revert EscrowInvalidDeadline(deadline, latest);
    }

    /// @dev Records an offer or pledge (price zero) after the checks they share.
    function _newOffer(
        uint256 needId,
        Need storage n,
        uint32 orgId,
        uint32 quantity,
        uint96 unitPrice,
        uint32 expiresAt
    ) private returns (uint256 offerId) {
        uint32 available = _available(n);
        if (quantity == 0 || quantity > available) revert EscrowQuantityTooLarge(quantity, available);
        _checkDeadline(expiresAt, uint256(n.deadline) + MAX_DELIVERY_TAIL);
        offerId = ++_counters.offers;
        Offer storage o = _offers[offerId];
        o.maker = msg.sender;
        o.makerOrgId = orgId;
        o.expiresAt = expiresAt;
        o.status = unitPrice == 0 ? OfferStatus.Active : OfferStatus.Proposed;
        o.unitPrice = unitPrice;
        o.remaining = quantity;
        // Need ids come from a 64-bit counter that cannot reach 2**32 in practice; checked to be safe.
        o.needId = needId.toUint32();
    }

    /// @dev Adds `amount` (already held) to the need as `donor`'s gift, up to what the need lacks; credits the rest
    /// back to the donor.
    function _give(
        uint256 needId,
        Need storage n,
        address asset,
        address donor,
        uint256 amount
    ) private returns (uint256 accepted) {
        uint256 needLacks = _lacks(n);
        accepted = amount < needLacks ? amount : needLacks;
        if (accepted != 0) {
            Gift storage gift = _gifts[needId][donor];
            if (gift.given == 0) ++n.openDonors;
            // accepted ≤ needLacks, and raised + accepted ≤ target < 2**96.
            gift.given += uint96(accepted);
            n.raised += uint96(accepted);
        }
        uint256 excess = amount - accepted;
        emit Donated(needId, donor, asset, accepted, excess);
        _credit(asset, donor, excess);
    }

    /// @dev Takes `account`'s refundable share of a closed or cancelled need (see the money model in
    /// {IDonationEscrow}); the caller pays it out or moves it.
    function _claimShare(
        uint256 needId,
        Need storage n,
        Gift storage gift,
        address account
    ) private returns (uint256 amount, bool settled) {
        NeedStatus status = _status(n);
        if (status != NeedStatus.Closed && status != NeedStatus.Cancelled) revert EscrowNeedNotOpen(needId, status);
        uint256 given = gift.given;
        if (given == 0 || gift.settled) revert EscrowNothingToRefund(needId, account);
        uint256 reserved = n.reserved;
        uint256 returnable = uint256(n.raised) - n.released - reserved;
        amount = (given * returnable) / n.raised - gift.claimed;
        settled = reserved == 0;
        if (settled) {
            // The last donor to settle takes what the others' rounding left.
            if (n.openDonors == 1) amount = returnable - n.returned;
            --n.openDonors;
            gift.settled = true;
        } else if (amount == 0) {
            revert EscrowNothingToRefund(needId, account);
        }
        // amount ≤ returnable ≤ raised < 2**96.
        gift.claimed += uint96(amount);
        n.returned += uint96(amount);
    }

    /// @dev Checks a shipment against an Active offer or pledge and marks it used.
    function _checkShipment(
        uint256 offerId,
        Offer storage o,
        Need storage n,
        IBatchLedger.Shipment calldata shipment
    ) private returns (Receipt memory receipt) {
        bytes32 expected = refOf(offerId);
        if (shipment.ref != expected) revert EscrowWrongRef(shipment.ref, expected);
        if (shipment.fromOrgId != o.makerOrgId || shipment.toOrgId != n.beneficiaryOrgId) {
            revert EscrowWrongParties(shipment.fromOrgId, shipment.toOrgId);
        }
        receipt.shipmentId = keccak256(abi.encode(shipment));
        if (_usedShipments[receipt.shipmentId]) revert EscrowShipmentUsed(receipt.shipmentId);
        IBatchLedger.ShipmentRecord memory record = _ledger.shipmentState(receipt.shipmentId);
        if (
            (record.status != ShipmentStatus.Received && record.status != ShipmentStatus.Settled) ||
            record.received == 0
        ) revert EscrowNotReceived(receipt.shipmentId);
        if (record.shippedAt > o.expiresAt) revert EscrowShippedLate(receipt.shipmentId, record.shippedAt, o.expiresAt);
        _checkBatch(n, shipment.batchId, record.answeredAt);
        _usedShipments[receipt.shipmentId] = true;
        uint32 remaining = o.remaining;
        receipt.quantity = record.received < remaining ? uint32(record.received) : remaining;
    }

    /// @dev Reverts unless the batch is of the need's product, neither recalled nor blocked, and expires no earlier
    /// than the receipt plus the need's minimum shelf life.
    function _checkBatch(Need storage n, bytes32 batchId, uint32 receivedAt) private view {
        IBatchLedger.BatchView memory b = _ledger.batch(batchId);
        uint48 gtin = n.gtin;
        if (gtin != 0 ? b.gtin != gtin : _catalog.product(b.gtin).category != n.category) {
            revert EscrowWrongProduct(b.gtin);
        }
        if (b.status == BatchStatus.Recalled || b.blocked) revert EscrowBatchUnusable(batchId);
        uint256 required = uint256(receivedAt) + n.minShelfLife;
        if (b.expiresAt < required) revert EscrowShortDated(batchId, b.expiresAt, required);
    }

    /// @dev What a need lacks: target minus raised, or zero.
    function _lacks(Need storage n) private view returns (uint256) {
        uint256 target = _target(n);
        uint256 raised = n.raised;
        return target > raised ? target - raised : 0;
    }

    /// @dev A need's money target: (quantity - inKind) × maxUnitPrice, or zero once in-kind goods cover it.
    function _target(Need storage n) private view returns (uint256) {
        uint256 quantity = n.quantity;
        uint256 inKind = n.inKind;
        return quantity > inKind ? (quantity - inKind) * n.maxUnitPrice : 0;
    }

    /// @dev Quantity a need can still take in offers: quantity minus accepted and received in kind, or zero.
    function _available(Need storage n) private view returns (uint32) {
        uint256 taken = uint256(n.committed) + n.inKind;
        return n.quantity > taken ? uint32(n.quantity - taken) : 0;
    }

    /// @dev A need's derived status.
    function _status(Need storage n) private view returns (NeedStatus status) {
        status = n.status;
        if (status == NeedStatus.Posted) {
            if (block.timestamp > uint256(n.postedAt) + _verificationWindow) status = NeedStatus.Lapsed;
        } else if (status == NeedStatus.Open) {
            if (block.timestamp > n.deadline) status = NeedStatus.Closed;
        }
    }

    /// @dev An offer's derived status.
    function _offerStatus(Offer storage o) private view returns (OfferStatus status) {
        status = o.status;
        if (status == OfferStatus.Proposed && block.timestamp > o.expiresAt) status = OfferStatus.Expired;
    }

    function _existingNeed(uint256 needId) private view returns (Need storage n) {
        n = _needs[needId];
        if (n.status == NeedStatus.None) revert EscrowUnknownNeed(needId);
    }

    function _openNeed(uint256 needId) private view returns (Need storage n) {
        n = _existingNeed(needId);
        NeedStatus status = _status(n);
        if (status != NeedStatus.Open) revert EscrowNeedNotOpen(needId, status);
    }

    function _existingOffer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.status == OfferStatus.None) revert EscrowUnknownOffer(offerId);
    }

    /// @dev An Active offer (`isPledge` false) or pledge (true).
    function _activeOffer(uint256 offerId, bool isPledge) private view returns (Offer storage o) {
        o = _existingOffer(offerId);
        OfferStatus status = o.status;
        if (status != OfferStatus.Active) revert EscrowOfferNotActive(offerId, status);
        if ((o.unitPrice == 0) != isPledge) revert EscrowWrongKind(offerId, !isPledge);
    }

    function _existingPool(uint256 poolId) private view returns (Pool storage p) {
        p = _pools[poolId];
        if (p.deadline == 0) revert EscrowUnknownPool(poolId);
    }

    function _openPool(uint256 poolId) private view returns (Pool storage p) {
        p = _existingPool(poolId);
        if (block.timestamp > p.deadline) revert EscrowPoolNotOpen(poolId, p.deadline);
    }

    function _giftView(Gift storage gift) private view returns (GiftView memory) {
        return GiftView({given: gift.given, claimed: gift.claimed, settled: gift.settled});
    }
}
