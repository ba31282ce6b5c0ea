// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {GS1} from "../libraries/GS1.sol";
import {IProductCatalog} from "./IProductCatalog.sol";
import {Category, DeviceClass, ProductStatus} from "./TraceTypes.sol";

/// @title ProductCatalog
/// @notice Products by GTIN: proposed by their maker under its own GS1 company prefix, approved by a regulator
/// with a registration certificate and a hold period never below the governor's floor for the category.
contract ProductCatalog is IProductCatalog, AllianceGated {
    struct Product {
        uint32 makerOrgId; // the organisation that owns the GTIN's company prefix
        Category category;
        DeviceClass deviceClass;
        ProductStatus status;
        int16 minTemperature; // tenths of a degree Celsius
        int16 maxTemperature;
        uint32 holdPeriod; // proposed, then approved (seconds)
        uint32 packSize;
        bytes8 unitOfMeasure;
    }

    struct Documents {
        bytes32 specHash;
        bytes32 certificateHash; // zero until approved
    }

    mapping(uint64 gtin => Product) private _products;
    mapping(uint64 gtin => Documents) private _documents;
    mapping(Category category => uint32 floor) private _holdFloors;

    /// @param registry The alliance registry.
    /// @param holdFloors Initial minimum hold periods (seconds) for drugs, devices, protective equipment,
    /// consumables and raw materials, in that order.
    constructor(IAllianceRegistry registry, uint32[5] memory holdFloors) AllianceGated(registry) {
        for (uint256 i; i < holdFloors.length; ++i) {
            Category category = Category(i + 1);
            _holdFloors[category] = holdFloors[i];
            emit HoldFloorSet(category, 0, holdFloors[i]);
        }
    }

    /// @inheritdoc IProductCatalog
    function proposeProduct(ProductSpec calldata spec) external whenAllianceNotPaused {
        (uint32 orgId, ) = _requirePermitted(msg.sender, Roles.MAKERS);
        uint64 gtin = spec.gtin;
        if (!GS1.isValidGtin(gtin)) revert CatalogInvalidGtin(gtin);
        if (
            !GS1.gtinHasPrefix(gtin, spec.companyPrefix) || alliance().companyPrefixOwner(spec.companyPrefix) != orgId
        ) {
            revert CatalogPrefixNotOwned(gtin, spec.companyPrefix, orgId);
        }
        ProductStatus status = _products[gtin].status;
        if (status != ProductStatus.None && status != ProductStatus.Rejected) revert CatalogProductExists(gtin, status);
        bool isDevice = spec.category == Category.Device;
        if (spec.category == Category.None || isDevice != (spec.deviceClass != DeviceClass.None)) {
            revert CatalogInvalidClassification(spec.category, spec.deviceClass);
        }
        if (spec.packSize == 0 || spec.unitOfMeasure == bytes8(0)) {
            revert CatalogInvalidPackaging(spec.unitOfMeasure, spec.packSize);
        }
        if (spec.minTemperature > spec.maxTemperature) {
            revert CatalogInvalidTemperatureRange(spec.minTemperature, spec.maxTemperature);
        }
        if (spec.specHash == bytes32(0)) revert CatalogEmptyHash();

        _products[gtin] = Product({
            makerOrgId: orgId,
            category: spec.category,
            deviceClass: spec.deviceClass,
            status: ProductStatus.Proposed,
            minTemperature: spec.minTemperature,
            maxTemperature: spec.maxTemperature,
            holdPeriod: spec.proposedHoldPeriod,
            packSize: spec.packSize,
            unitOfMeasure: spec.unitOfMeasure
        });
        _documents[gtin] = Documents({specHash: spec.specHash, certificateHash: bytes32(0)});
        emit ProductProposed(
            gtin,
            orgId,
            spec.category,
            spec.deviceClass,
            spec.unitOfMeasure,
            spec.packSize,
            spec.minTemperature,
            spec.maxTemperature,
            spec.proposedHoldPeriod,
            spec.specHash,
            spec.specURI
        );
    }

    /// @inheritdoc IProductCatalog
    function approveProduct(uint64 gtin, bytes32 certificateHash, uint32 holdPeriod) external onlyRegulator {
        Product storage p = _existingProduct(gtin);
        if (p.status != ProductStatus.Proposed && p.status != ProductStatus.Withdrawn) {
            revert CatalogUnexpectedStatus(gtin, p.status);
        }
        if (certificateHash == bytes32(0)) revert CatalogEmptyHash();
        uint32 floor = _holdFloors[p.category];
        if (holdPeriod < floor) revert CatalogHoldBelowFloor(holdPeriod, floor);
        p.status = ProductStatus.Approved;
        p.holdPeriod = holdPeriod;
        _documents[gtin].certificateHash = certificateHash;
        emit ProductApproved(gtin, msg.sender, certificateHash, holdPeriod);
    }

    /// @inheritdoc IProductCatalog
    function rejectProduct(uint64 gtin, bytes32 reasonHash) external onlyRegulator {
        _transition(gtin, ProductStatus.Proposed, ProductStatus.Rejected, reasonHash);
        emit ProductRejected(gtin, msg.sender, reasonHash);
    }

    /// @inheritdoc IProductCatalog
    function withdrawProduct(uint64 gtin, bytes32 reasonHash) external onlyRegulator {
        _transition(gtin, ProductStatus.Approved, ProductStatus.Withdrawn, reasonHash);
        emit ProductWithdrawn(gtin, msg.sender, reasonHash);
    }

    /// @inheritdoc IProductCatalog
    function setHoldFloor(Category category, uint32 floor) external onlyGovernor {
        if (category == Category.None) revert CatalogInvalidClassification(category, DeviceClass.None);
        uint32 previousFloor = _holdFloors[category];
        _holdFloors[category] = floor;
        emit HoldFloorSet(category, previousFloor, floor);
    }

    /// @inheritdoc IProductCatalog
    function product(uint64 gtin) external view returns (ProductView memory) {
        Product memory p = _existingProduct(gtin);
        Documents memory documents = _documents[gtin];
        return
            ProductView({
                gtin: gtin,
                makerOrgId: p.makerOrgId,
                category: p.category,
                deviceClass: p.deviceClass,
                status: p.status,
                unitOfMeasure: p.unitOfMeasure,
                packSize: p.packSize,
                minTemperature: p.minTemperature,
                maxTemperature: p.maxTemperature,
                holdPeriod: p.holdPeriod,
                specHash: documents.specHash,
                certificateHash: documents.certificateHash
            });
    }

    /// @inheritdoc IProductCatalog
    function productTerms(
        uint64 gtin
    ) external view returns (uint32 makerOrgId, ProductStatus status, uint32 holdPeriod) {
        Product storage p = _products[gtin];
        return (p.makerOrgId, p.status, p.holdPeriod);
    }

    /// @inheritdoc IProductCatalog
    function temperatureRange(uint64 gtin) external view returns (int16 minTemperature, int16 maxTemperature) {
        Product storage p = _existingProduct(gtin);
        return (p.minTemperature, p.maxTemperature);
    }

    /// @inheritdoc IProductCatalog
    function holdFloor(Category category) external view returns (uint32) {
        return _holdFloors[category];
    }

    /// @inheritdoc IProductCatalog
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    function _transition(uint64 gtin, ProductStatus from, ProductStatus to, bytes32 reasonHash) private {
        Product storage p = _existingProduct(gtin);
        if (p.status != from) revert CatalogUnexpectedStatus(gtin, p.status);
        if (reasonHash == bytes32(0)) revert CatalogEmptyHash();
        p.status = to;
    }

    function _existingProduct(uint64 gtin) private view returns (Product storage p) {
        p = _products[gtin];
        if (p.status == ProductStatus.None) revert CatalogUnknownProduct(gtin);
    }
}
