// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Category} from "../trace/TraceTypes.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {IAssetVault} from "./IAssetVault.sol";

/// @title The MedAlliance donation escrow
/// @notice Hospitals (or the agency for a hospital) post needs; a regulator verifies them; anyone gives money to a
/// verified need, directly or through the alliance pool; suppliers offer goods at a price; the poster accepts offers,
/// which reserves funds; the money is released to the supplier only on the hospital's receipt recorded in the batch
/// ledger. Members may also pledge goods in kind. After a need's deadline (or its cancellation) every donor takes
/// back, pro rata, what was neither released nor reserved, or moves it to another verified need.
/// @dev Money model (see also {IAssetVault}).
/// - A need's money: `raised` (every gift and pool allocation, the sum of all donors' shares), `reserved` (accepted
///   offers' undelivered quantity × price), `released` (paid to suppliers for received goods) and `returned` (given
///   back to donors). `target = (quantity - in kind received) × maxUnitPrice`; a need lacks `target - raised`.
/// - Refunds without loops: once the need is closed, `returnable = raised - released - reserved` only grows (as
///   accepted offers close); a donor's entitlement is `given × returnable / raised`, paid minus what it already
///   claimed. When nothing is reserved any more the amount is final and the donor is settled; the last open donor to
///   settle takes the remainder, so rounding dust never stays locked.
/// - The pool is one donor of each need it is allocated to: its share's refunds flow back into the pool, from which
///   the pool's donors take their pro-rata share back after the pool's deadline by the same rule.
/// - Shipments name their record with `ref = keccak256(abi.encode(address(escrow), offerId))` (see {refOf}); offers
///   and pledges share one id sequence. Each shipment counts once.
/// - Amounts per need fit in 96 bits (checked when posting: quantity × max unit price < 2**96); quantities in 32 bits.
interface IDonationEscrow is IAssetVault {
    /// @notice A need's status. Stored: Posted, Rejected, Open, Cancelled; derived from the clock: Lapsed (Posted past
    /// the verification window: it can no longer be verified, takes no money and can only be cancelled) and Closed
    /// (Open past its deadline: refunds and redirections start).
    enum NeedStatus {
        None,
        Posted, // awaiting a regulator's verification
        Lapsed, // unverified past the verification window
        Rejected, // by a regulator; final
        Open, // verified, taking gifts and offers until its deadline (inclusive)
        Closed, // verified, past its deadline
        Cancelled // by its poster; final
    }

    /// @notice An offer's or pledge's status. Offers start Proposed and become Active when the poster accepts them;
    /// pledges start Active. Expired is derived: a Proposed offer past its expiry.
    enum OfferStatus {
        None,
        Proposed, // an offer awaiting the poster's acceptance
        Expired, // a Proposed offer past its expiry
        Active, // an accepted offer (funds reserved) or a pledge
        Withdrawn, // by its maker before acceptance (offers) or at any time (pledges)
        Closed // an accepted offer whose remaining reservation was freed
    }

    /// @notice What a poster asks for.
    struct NeedRequest {
        uint32 beneficiaryOrgId; // the hospital that receives the goods; 0 (or the poster's own) for a hospital poster
        uint64 gtin; // the product, or 0 for any product of `category`
        Category category; // None when `gtin` is given; otherwise the category any product may come from
        uint32 quantity; // units, at least 1
        uint8 urgency; // 1 (routine) to 5 (critical)
        uint32 deadline; // unix seconds, in the future and at most MAX_NEED_DURATION ahead; gifts accepted up to it
        uint96 maxUnitPrice; // the most paid per unit, ≥ 1, in the smallest unit of `asset`; × quantity < 2**96
        uint32 minShelfLife; // seconds of shelf life the goods must have left when received
        address asset; // address(0) for ETH, else a governor-approved token
        bytes32 detailsHash; // hash of the need's description (emitted, not stored)
    }

    /// @notice A need as the views return it.
    struct NeedView {
        NeedStatus status;
        uint32 posterOrgId;
        uint32 beneficiaryOrgId;
        uint64 gtin;
        Category category;
        uint8 urgency;
        uint32 postedAt;
        uint32 deadline;
        uint32 minShelfLife;
        address asset;
        uint96 maxUnitPrice;
        uint32 quantity; // as posted
        uint32 committed; // quantity of accepted offers (delivered or still reserved)
        uint32 inKind; // quantity received from pledges
        uint96 target; // (quantity - inKind) × maxUnitPrice
        uint96 raised; // all gifts and pool allocations
        uint96 reserved; // accepted offers' undelivered quantity × price
        uint96 released; // paid to suppliers
        uint96 returned; // refunded or redirected to donors
        uint32 openDonors; // donors (a pool round counting as one) whose final refund is not done yet
    }

    /// @notice An offer or pledge as the views return it.
    struct OfferView {
        OfferStatus status;
        uint256 needId;
        address maker; // the supplier's (or pledger's) account, which collects the earnings
        uint32 makerOrgId; // its organisation: shipments must come from it
        uint32 expiresAt; // shipments must be shipped by then
        uint96 unitPrice; // 0 for a pledge
        uint32 remaining; // quantity still to deliver (reserved once accepted)
        uint96 earned; // released to the maker and not yet collected
    }

    /// @notice A donor's share of a need (or of a pool).
    struct GiftView {
        uint96 given; // everything the donor gave (its share)
        uint96 claimed; // refunded or redirected so far
        bool settled; // its final refund is done
    }

    /// @notice A pool round as the views return it.
    struct PoolView {
        address asset;
        uint32 deadline; // gifts and allocations up to it (inclusive); donors take back what is left after it
        uint96 raised; // all pool gifts
        uint96 allocated; // allocated to needs
        uint96 returned; // shares of needs that flowed back to the pool
        uint96 paid; // taken back by the pool's donors
        uint32 openAllocations; // needs whose pool share is not settled yet
        uint32 openDonors; // pool donors whose final refund is not done yet
    }

    /// @notice A need was posted (awaiting verification).
    event NeedPosted(
        uint256 indexed needId,
        uint32 indexed posterOrgId,
        uint32 indexed beneficiaryOrgId,
        NeedRequest request
    );
    /// @notice A regulator verified a need: it takes gifts and offers until its deadline.
    event NeedVerified(uint256 indexed needId, address indexed regulator);
    /// @notice A regulator rejected a need.
    event NeedRejected(uint256 indexed needId, address indexed regulator, bytes32 reasonHash);
    /// @notice The poster cancelled a need; donors may take their shares back.
    event NeedCancelled(uint256 indexed needId, address indexed account, bytes32 reasonHash);
    /// @notice `donor` gave `accepted` to a need; `excess` (beyond what the need lacked) was credited back to it.
    event Donated(
        uint256 indexed needId,
        address indexed donor,
        address indexed asset,
        uint256 accepted,
        uint256 excess
    );
    /// @notice A donor took back `amount` of its share of a closed or cancelled need; `settled` when final.
    event Refunded(uint256 indexed needId, address indexed donor, uint256 amount, bool settled);
    /// @notice A donor moved `amount` of its share of a closed or cancelled need to another need (followed by
    /// {Donated} on the target).
    event Redirected(uint256 indexed fromNeedId, uint256 indexed toNeedId, address indexed donor, uint256 amount);
    /// @notice The governor opened a pool round.
    event PoolOpened(uint256 indexed poolId, address indexed asset, uint32 deadline);
    /// @notice `donor` gave `amount` to a pool round.
    event PoolDonated(uint256 indexed poolId, address indexed donor, uint256 amount);
    /// @notice The governor allocated `amount` of a pool to a need.
    event PoolAllocated(uint256 indexed poolId, uint256 indexed needId, address indexed governor, uint256 amount);
    /// @notice The pool's share of a closed or cancelled need, `amount`, flowed back into the pool.
    event PoolShareReturned(uint256 indexed poolId, uint256 indexed needId, uint256 amount, bool settled);
    /// @notice A pool donor took back `amount` of what the pool did not spend.
    event PoolRefunded(uint256 indexed poolId, address indexed donor, uint256 amount, bool settled);
    /// @notice A supplier offered goods to a need.
    event OfferMade(
        uint256 indexed offerId,
        uint256 indexed needId,
        uint32 indexed makerOrgId,
        address maker,
        uint32 quantity,
        uint96 unitPrice,
        uint32 expiresAt
    );
    /// @notice The poster accepted an offer, reserving `reservedAmount` of the need's funds.
    event OfferAccepted(
        uint256 indexed offerId,
        uint256 indexed needId,
        address indexed account,
        uint256 reservedAmount
    );
    /// @notice An offer or pledge was withdrawn by its maker.
    event OfferWithdrawn(uint256 indexed offerId, uint256 indexed needId);
    /// @notice An accepted offer was closed; its undelivered quantity and reservation went back to the need.
    event OfferClosed(uint256 indexed offerId, uint256 indexed needId, uint32 freedQuantity, uint256 freedAmount);
    /// @notice Money was released for a received shipment: `quantity` × the offer's price, `amount`, earned by the
    /// offer's maker.
    event Released(
        uint256 indexed offerId,
        uint256 indexed needId,
        bytes32 indexed shipmentId,
        uint32 quantity,
        uint256 amount
    );
    /// @notice An offer's maker collected its earnings.
    event EarningsCollected(uint256 indexed offerId, address indexed maker, address indexed asset, uint256 amount);
    /// @notice A member pledged goods in kind to a need.
    event Pledged(
        uint256 indexed pledgeId,
        uint256 indexed needId,
        uint32 indexed makerOrgId,
        address maker,
        uint32 quantity,
        uint32 expiresAt
    );
    /// @notice Pledged goods were received: `quantity` counts toward the need and is credited to the pledger.
    event PledgeReceived(
        uint256 indexed pledgeId,
        uint256 indexed needId,
        bytes32 indexed shipmentId,
        uint32 makerOrgId,
        uint32 quantity
    );

    /// @notice The verification window, the delivery tail or the ledger given at deployment is invalid.
    error EscrowInvalidConfiguration();
    /// @notice The caller acts as a hospital but names another organisation, or as the agency without naming an
    /// Active hospital.
    error EscrowInvalidBeneficiary(uint32 beneficiaryOrgId);
    /// @notice The product is both or neither a GTIN and a category.
    error EscrowInvalidProduct(uint64 gtin, Category category);
    /// @notice Quantity, urgency, price or the money target (quantity × price must be below 2**96) out of range.
    error EscrowInvalidTerms(uint32 quantity, uint8 urgency, uint96 maxUnitPrice);
    /// @notice A deadline or expiry not in the future, or beyond what is allowed (`latest`).
    error EscrowInvalidDeadline(uint32 deadline, uint256 latest);
    /// @notice There is no such need.
    error EscrowUnknownNeed(uint256 needId);
    /// @notice The need's status does not allow this.
    error EscrowNeedNotOpen(uint256 needId, NeedStatus status);
    /// @notice The caller does not act for the need's poster.
    error EscrowNotPoster(uint256 needId, address account);
    /// @notice An amount is zero.
    error EscrowZeroAmount();
    /// @notice The gift's asset is not the need's (or the pool's).
    error EscrowAssetMismatch(address expected, address given);
    /// @notice `account` has nothing to take back from this need or pool now (`account` zero: a pool's share).
    error EscrowNothingToRefund(uint256 id, address account);
    /// @notice A rejection needs written reasons (a non-zero hash).
    error EscrowMissingReason();
    /// @notice A need cannot be redirected to itself.
    error EscrowSameNeed(uint256 needId);
    /// @notice There is no such pool round.
    error EscrowUnknownPool(uint256 poolId);
    /// @notice The pool round is past its deadline (for gifts and allocations) or not yet (for refunds).
    error EscrowPoolNotOpen(uint256 poolId, uint32 deadline);
    /// @notice The allocation exceeds what the need lacks or what the pool has.
    error EscrowAllocationTooLarge(uint256 amount, uint256 needLacks, uint256 poolAvailable);
    /// @notice There is no such offer or pledge.
    error EscrowUnknownOffer(uint256 offerId);
    /// @notice The offer's or pledge's status does not allow this.
    error EscrowOfferNotActive(uint256 offerId, OfferStatus status);
    /// @notice The record is a pledge where an offer is needed (`isPledge` true), or the reverse.
    error EscrowWrongKind(uint256 offerId, bool isPledge);
    /// @notice The caller is not the offer's maker.
    error EscrowNotOfferMaker(uint256 offerId, address account);
    /// @notice The offer's price is zero or above the need's maximum.
    error EscrowPriceTooHigh(uint96 unitPrice, uint96 maxUnitPrice);
    /// @notice The quantity is zero or above what the need still needs.
    error EscrowQuantityTooLarge(uint32 quantity, uint32 available);
    /// @notice Accepting would reserve more than the need's unreserved funds.
    error EscrowInsufficientFunds(uint256 needed, uint256 available);
    /// @notice An accepted offer cannot be closed yet (before `closableAt`) by anyone but its maker.
    error EscrowOfferStillRunning(uint256 offerId, uint256 closableAt);
    /// @notice The shipment's ref does not name this offer or pledge.
    error EscrowWrongRef(bytes32 ref, bytes32 expected);
    /// @notice The shipment does not go from the offer's maker to the need's beneficiary.
    error EscrowWrongParties(uint32 fromOrgId, uint32 toOrgId);
    /// @notice The shipment already counted.
    error EscrowShipmentUsed(bytes32 shipmentId);
    /// @notice The shipment is not received (status Received, or Settled by a regulator) with a positive quantity.
    error EscrowNotReceived(bytes32 shipmentId);
    /// @notice The shipment was shipped after the offer's expiry.
    error EscrowShippedLate(bytes32 shipmentId, uint32 shippedAt, uint32 expiresAt);
    /// @notice The batch's product is not the need's.
    error EscrowWrongProduct(uint64 gtin);
    /// @notice The batch is recalled or blocked.
    error EscrowBatchUnusable(bytes32 batchId);
    /// @notice The batch expires before receipt time plus the need's minimum shelf life.
    error EscrowShortDated(bytes32 batchId, uint256 expiresAt, uint256 requiredExpiry);
    /// @notice The caller has no earnings on this offer.
    error EscrowNothingToCollect(uint256 offerId);

    /// @notice A hospital (for itself) or the agency (for an Active hospital) posts a need; a regulator must verify
    /// it within the verification window before it takes money.
    /// @dev Requirements: not paused; caller acts as HOSPITAL (beneficiary 0 or its own organisation) or as AGENCY
    /// (beneficiary another organisation that is Active and admitted as HOSPITAL); exactly one of GTIN and category;
    /// quantity ≥ 1; urgency 1–5; max unit price ≥ 1 and quantity × price < 2**96; deadline in the future and at most
    /// MAX_NEED_DURATION ahead; asset ETH or approved. Emits {NeedPosted}.
    /// @param request The need.
    /// @return needId The new need's id (from 1).
    function postNeed(NeedRequest calldata request) external returns (uint256 needId);

    /// @notice A regulator verifies a posted need within the verification window; it is Open until its deadline.
    /// @dev Requirements: caller is a regulator; status Posted (not Lapsed). Emits {NeedVerified}.
    /// @param needId The need.
    function verifyNeed(uint256 needId) external;

    /// @notice A regulator rejects a posted (or lapsed) need.
    /// @dev Requirements: caller is a regulator; status Posted or Lapsed; non-zero reason. Emits {NeedRejected}.
    /// @param needId The need.
    /// @param reasonHash Hash of the written reasons.
    function rejectNeed(uint256 needId, bytes32 reasonHash) external;

    /// @notice The poster cancels a need that is awaiting verification, lapsed or still open. Gifts stop; donors may
    /// take back their shares; accepted offers keep their reservation until delivered or closed.
    /// @dev Requirements: caller acts for the poster (HOSPITAL or AGENCY); status Posted, Lapsed or Open.
    /// Emits {NeedCancelled}.
    /// @param needId The need.
    /// @param reasonHash Hash of the reasons (may be zero).
    function cancelNeed(uint256 needId, bytes32 reasonHash) external;

    /// @notice Anyone gives to an Open need in its asset. What the need lacks is accepted; the rest is credited back to
    /// the donor to {withdraw} (a gift to a fully funded need is credited back whole, never refused).
    /// @dev Requirements: not paused; need Open; amount ≥ 1; for ETH `msg.value == amount`, for a token no ETH and an
    /// allowance. Non-reentrant. Emits {Donated} (and {Credited} for an excess).
    /// @param needId The need.
    /// @param amount The amount given (for a fee-on-transfer token, what arrives counts).
    /// @return accepted The part of the gift the need took.
    function donate(uint256 needId, uint256 amount) external payable returns (uint256 accepted);

    /// @notice A donor takes back its pro-rata share of a Closed or Cancelled need's unreleased, unreserved money,
    /// paid to the caller. Open to anyone with a share, at any time after closing, paused or not; can be called
    /// again as reservations free up.
    /// @dev Requirements: status Closed or Cancelled; something to take back (or the donor's final settlement).
    /// Non-reentrant. Emits {Refunded}.
    /// @param needId The need.
    /// @return amount The amount paid.
    function refund(uint256 needId) external returns (uint256 amount);

    /// @notice A donor moves its refundable share of a Closed or Cancelled need to another Open need in the same
    /// asset (what the target does not lack is credited back to the donor).
    /// @dev Requirements: not paused; as {refund} for `fromNeedId`; `toNeedId` another Open need in the same asset.
    /// Emits {Redirected}, {Donated} on the target (and {Credited} for an excess).
    /// @param fromNeedId The closed or cancelled need.
    /// @param toNeedId The open need.
    /// @return accepted The part the target need took.
    function redirect(uint256 fromNeedId, uint256 toNeedId) external returns (uint256 accepted);

    /// @notice The governor opens a pool round in `asset` with a deadline: gifts and allocations until it; after it,
    /// donors take back pro rata what was not allocated and what flows back from needs.
    /// @dev Requirements: caller is the governor; asset ETH or approved; deadline in the future and at most
    /// MAX_NEED_DURATION ahead. Emits {PoolOpened}.
    /// @param asset `address(0)` for ETH, else an approved token.
    /// @param deadline Unix seconds.
    /// @return poolId The new pool round's id (from 1).
    function openPool(address asset, uint32 deadline) external returns (uint256 poolId);

    /// @notice Anyone gives to a pool round.
    /// @dev Requirements: not paused; pool exists, not past its deadline; amount ≥ 1; ETH as {donate}.
    /// Non-reentrant. Emits {PoolDonated}.
    /// @param poolId The pool round.
    /// @param amount The amount.
    /// @return received What arrived.
    function donateToPool(uint256 poolId, uint256 amount) external payable returns (uint256 received);

    /// @notice The governor allocates an explicit amount of a pool round to an Open need in the same asset; the pool
    /// becomes one donor of the need.
    /// @dev Requirements: not paused; caller is the governor; pool not past its deadline; need Open; same asset;
    /// amount ≥ 1, at most what the need lacks and what the pool has unallocated. Emits {PoolAllocated}.
    /// @param poolId The pool round.
    /// @param needId The need.
    /// @param amount The amount.
    function allocate(uint256 poolId, uint256 needId, uint256 amount) external;

    /// @notice Anyone returns a pool's refundable share of a Closed or Cancelled need to the pool (no money leaves).
    /// @dev Requirements: as {refund}, for the pool's share. Emits {PoolShareReturned}.
    /// @param needId The need.
    /// @param poolId The pool round.
    /// @return amount The amount returned to the pool.
    function returnPoolShare(uint256 needId, uint256 poolId) external returns (uint256 amount);

    /// @notice A pool donor takes back its pro-rata share of what the pool round holds after its deadline (never
    /// allocated, or flowed back from needs); can be called again as more flows back.
    /// @dev Requirements: past the pool's deadline; something to take back (or the donor's final settlement, once
    /// every allocation is settled). Non-reentrant. Emits {PoolRefunded}.
    /// @param poolId The pool round.
    /// @return amount The amount paid.
    function refundFromPool(uint256 poolId) external returns (uint256 amount);

    /// @notice A SUPPLIER, MANUFACTURER or DISTRIBUTOR offers goods to an Open need at a unit price.
    /// @dev Requirements: not paused; caller acts in one of those roles; need Open; quantity ≥ 1 and at most what the
    /// need still needs; price 1 to the need's maximum; expiry in the future and at most MAX_DELIVERY_TAIL after the
    /// need's deadline. Emits {OfferMade}.
    /// @param needId The need.
    /// @param quantity Units offered.
    /// @param unitPrice Price per unit in the need's asset.
    /// @param expiresAt Goods must be shipped by then.
    /// @return offerId The offer's id (shared sequence with pledges, from 1).
    function makeOffer(
        uint256 needId,
        uint32 quantity,
        uint96 unitPrice,
        uint32 expiresAt
    ) external returns (uint256 offerId);

    /// @notice A member in any holding role pledges goods in kind to an Open need (no acceptance needed: the
    /// hospital's receipt is the acceptance).
    /// @dev Requirements: not paused; caller acts in a holding role; need Open; quantity ≥ 1; expiry as for offers.
    /// Emits {Pledged}.
    /// @param needId The need.
    /// @param quantity Units pledged.
    /// @param expiresAt Goods must be shipped by then.
    /// @return pledgeId The pledge's id (shared sequence with offers).
    function pledge(uint256 needId, uint32 quantity, uint32 expiresAt) external returns (uint256 pledgeId);

    /// @notice The poster accepts a proposed offer: quantity × price of the need's funds is reserved for it.
    /// @dev Requirements: not paused; caller acts for the poster; need Open; offer Proposed (not expired); quantity
    /// within what the need still needs; unreserved funds cover it. Emits {OfferAccepted}.
    /// @param offerId The offer.
    function acceptOffer(uint256 offerId) external;

    /// @notice The maker withdraws a proposed offer, or a pledge.
    /// @dev Requirements: caller is the maker's account; offer Proposed or Expired, or an Active pledge.
    /// Emits {OfferWithdrawn}.
    /// @param offerId The offer or pledge.
    function withdrawOffer(uint256 offerId) external;

    /// @notice Closes an accepted offer, freeing its undelivered quantity and reservation to the need: its maker at
    /// any time, anyone once RELEASE_GRACE has passed after its expiry.
    /// @dev Requirements: an Active offer (not a pledge); caller the maker or time past expiry + RELEASE_GRACE.
    /// Emits {OfferClosed}.
    /// @param offerId The offer.
    function closeOffer(uint256 offerId) external;

    /// @notice Anyone releases money for a shipment the need's beneficiary received: min(received, remaining) × the
    /// offer's price, earned by the offer's maker. No receipt, no money.
    /// @dev Requirements: offer Active (not a pledge); `shipment.ref == refOf(offerId)`; from the maker's organisation
    /// to the need's beneficiary; not used before; ledger status Received, or Settled by a regulator, with a positive
    /// received quantity; shipped by the offer's expiry; the batch's product is the need's (GTIN or category), the
    /// batch neither recalled nor blocked, and it expires no earlier than receipt time + minimum shelf life.
    /// Works while paused. Emits {Released}.
    /// @param offerId The offer.
    /// @param shipment The shipment's fields, as emitted by the ledger's {IBatchLedger-Shipped}.
    /// @return amount The amount released.
    function release(uint256 offerId, IBatchLedger.Shipment calldata shipment) external returns (uint256 amount);

    /// @notice Anyone records a received in-kind shipment against a pledge: min(received, remaining) counts toward
    /// the need's quantity (its money target falls) and is credited to the pledger's organisation.
    /// @dev Requirements: an Active pledge; then the shipment requirements of {release}. Emits {PledgeReceived}.
    /// @param pledgeId The pledge.
    /// @param shipment The shipment's fields.
    /// @return quantity The quantity counted.
    function recordPledgeReceipt(
        uint256 pledgeId,
        IBatchLedger.Shipment calldata shipment
    ) external returns (uint32 quantity);

    /// @notice The offer's maker collects its released earnings (a pull payment; open while paused and whatever its
    /// organisation's standing).
    /// @dev Requirements: caller is the maker's account; earnings > 0. Non-reentrant. Emits {EarningsCollected}.
    /// @param offerId The offer.
    /// @return amount The amount paid.
    function collectEarnings(uint256 offerId) external returns (uint256 amount);

    /// @notice A need. Reverts with {EscrowUnknownNeed}.
    /// @param needId The need.
    function need(uint256 needId) external view returns (NeedView memory);

    /// @notice A need's derived status (None for an unknown id).
    /// @param needId The need.
    function needStatus(uint256 needId) external view returns (NeedStatus);

    /// @notice What a need still lacks: target minus raised, or zero.
    /// @param needId The need.
    function lacks(uint256 needId) external view returns (uint256);

    /// @notice An offer or pledge. Reverts with {EscrowUnknownOffer}.
    /// @param offerId The offer or pledge.
    function offer(uint256 offerId) external view returns (OfferView memory);

    /// @notice A donor's share of a need.
    /// @param needId The need.
    /// @param donor The donor.
    function giftOf(uint256 needId, address donor) external view returns (GiftView memory);

    /// @notice A pool's share of a need.
    /// @param needId The need.
    /// @param poolId The pool round.
    function poolShareOf(uint256 needId, uint256 poolId) external view returns (GiftView memory);

    /// @notice What `donor` could take back from a need now (zero while it is not Closed or Cancelled).
    /// @param needId The need.
    /// @param donor The donor.
    function refundableOf(uint256 needId, address donor) external view returns (uint256);

    /// @notice A pool round. Reverts with {EscrowUnknownPool}.
    /// @param poolId The pool round.
    function pool(uint256 poolId) external view returns (PoolView memory);

    /// @notice A donor's share of a pool round.
    /// @param poolId The pool round.
    /// @param donor The donor.
    function poolGiftOf(uint256 poolId, address donor) external view returns (GiftView memory);

    /// @notice Units an organisation has given in kind (received by hospitals through pledges), for public credit.
    /// @param orgId The organisation.
    function inKindGivenBy(uint32 orgId) external view returns (uint256);

    /// @notice Whether a shipment already counted for a release or a pledge.
    /// @param shipmentId The shipment.
    function isShipmentUsed(bytes32 shipmentId) external view returns (bool);

    /// @notice The shipment ref naming an offer or pledge: keccak256(abi.encode(address(this), offerId)).
    /// @param offerId The offer or pledge.
    function refOf(uint256 offerId) external view returns (bytes32);

    /// @notice Numbers of needs, offers (with pledges) and pool rounds so far; ids run from 1.
    function counts() external view returns (uint256 needs, uint256 offers, uint256 pools);

    /// @notice Seconds a regulator has after posting to verify a need.
    function verificationWindow() external view returns (uint32);

    /// @notice The batch ledger the escrow reads shipments from.
    function ledger() external view returns (IBatchLedger);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
